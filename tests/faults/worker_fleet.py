"""Worker processes for the fault suite: start, kill, read their logs, count trainings; and training data."""
import re
import time
import uuid
from datetime import datetime, timezone
from functools import lru_cache

import numpy as np

from devtools.stack import service_environ, start_worker
from registry import ModelRecord, ModelStatus

FAST_SETTINGS = {
    "queue_poll_seconds": 0.1,
    "message_visibility_seconds": 3,  # shorter than a big training: only renewals keep its message hidden
    "heartbeat_seconds": 0.3,
    "retry_backoff_seconds": 0.2,
    "max_retry_backoff_seconds": 2,
}
PARAMETERS = {"supportThreshold": 2, "cooccurrenceUnit": "User", "similarityFunction": "Jaccard",
              "enableUserAffinity": True, "enableUserToItemRecommendations": False,
              "allowSeedItemsInRecommendations": False, "enableBackfilling": True, "decayPeriodInDays": 30}
STARTED = re.compile(r"model (\S+): training started \(delivery (\d+) of \d+")
ENDED = re.compile(r"model (\S+?):? (?:completed in|failed|was deleted|training cancelled|training abandoned)")


@lru_cache(maxsize=None)
def synthetic_usage(events: int, parts: int, users: int = 20_000, items: int = 4_000, seed: int = 7) -> tuple:
    """Usage CSV files (a folder's worth) where each user's items come from one of 40 clusters.

    Real data, sized to train for seconds; several files, because the training can be cancelled between
    two files' downloads but not within one.
    """
    rng = np.random.default_rng(seed)
    user = rng.integers(0, users, events)
    cluster_size = items // 40
    item = (user % 40) * cluster_size + rng.integers(0, cluster_size, events)
    seconds = rng.integers(0, 90 * 86400, events) + int(datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp())
    stamps = seconds.astype("datetime64[s]").astype(str)
    lines = [f"u{u},i{i},{t}\n" for u, i, t in zip(user.tolist(), item.tolist(), stamps)]
    size = -(-events // parts)
    return tuple("".join(lines[start:start + size]).encode() for start in range(0, events, size))


def upload_usage(container, folder: str, files: tuple) -> str:
    """Upload the files as folder/part-N.csv; returns the folder (a usageRelativePath)."""
    for number, content in enumerate(files):
        container.upload_blob(f"{folder}/part-{number}.csv", content)
    return folder


def create_model(registry, queues, container: str, usage_path: str) -> str:
    """Register a model and queue its training, as POST /api/models does."""
    record = ModelRecord(id=str(uuid.uuid4()), description=None, creation_time=datetime.now(timezone.utc),
                         status=ModelStatus.CREATED, status_message="created",
                         parameters={"blobContainerName": container, "usageRelativePath": usage_path, **PARAMETERS})
    registry.create(record)
    queues.send_train(record.id)
    return record.id


class WorkerFleet:
    """`python -m webjob` processes on one set of storage names, each with a log of its own."""

    def __init__(self, connection_string: str, keys: dict, storage_names: dict, log_dir, **settings):
        self.environ = service_environ(connection_string, keys, **storage_names, **{**FAST_SETTINGS, **settings})
        self.log_dir = log_dir
        self.processes = {}  # name -> ServiceProcess, the dead ones too (their logs count)

    def start(self, name: str, wait: bool = True):
        """Start a worker; with wait, return once it takes messages."""
        self.processes[name] = start_worker(self.environ, self.log_dir, name=name)
        if wait:
            wait_until(lambda: "worker started" in self.processes[name].log(), 30, f"{name} to start")
        return self.processes[name]

    def stop_all(self):
        for process in self.processes.values():
            process.stop()

    def logs(self) -> str:
        return "\n".join(process.log() for process in self.processes.values())

    def trainings_started(self) -> list:
        """(model id, delivery) of every training any worker started."""
        return [(match[1], int(match[2])) for match in STARTED.finditer(self.logs())]

    def completions(self) -> list:
        return re.findall(r"model (\S+): completed in", self.logs())

    def training_now(self, name: str):
        """The model the worker is training right now (by its log), or None."""
        log = self.processes[name].log()
        started = list(STARTED.finditer(log))
        if not started:
            return None
        model_id = started[-1][1]
        ended = [match for match in ENDED.finditer(log, started[-1].end()) if match[1] == model_id]
        return None if ended else model_id

    def wait_for_a_training(self, timeout: float = 30.0) -> tuple:
        """(worker name, model id) of a live worker that is training."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.process.poll() is None and self.training_now(name):
                    return name, self.training_now(name)
            time.sleep(0.05)
        raise AssertionError(f"no worker started a training within {timeout} s:\n{self.logs()[-3000:]}")


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def wait_for_statuses(registry, model_ids, statuses=(ModelStatus.COMPLETED, ModelStatus.FAILED), timeout=60.0,
                      fleet=None) -> dict:
    """Each model's record once all are in one of the statuses."""
    deadline = time.monotonic() + timeout
    while True:
        records = {model_id: registry.get(model_id) for model_id in model_ids}
        if all(record.status in statuses for record in records.values()):
            return records
        if time.monotonic() > deadline:
            pending = {model_id: (r.status.value, r.status_message) for model_id, r in records.items()
                       if r.status not in statuses}
            raise AssertionError(f"still pending after {timeout} s: {pending}\n"
                                 f"{fleet.logs()[-4000:] if fleet else ''}")
        time.sleep(0.2)
