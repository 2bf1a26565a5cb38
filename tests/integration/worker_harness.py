"""Fixtures and stand-in trainers for the worker's in-process tests on Azurite."""
import threading
import time
import uuid
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from model_provider import BlobModelStore
from registry import ModelRecord, ModelStatus, TableJobRegistry, TableModelRegistry
from storage.queues import ModelQueues
from webjob.worker import Worker

DEFAULT_PARAMETERS = {"supportThreshold": 6, "cooccurrenceUnit": "User", "similarityFunction": "Jaccard",
                      "enableUserAffinity": True, "enableUserToItemRecommendations": False,
                      "allowSeedItemsInRecommendations": False, "enableBackfilling": True, "decayPeriodInDays": 30}


@pytest.fixture
def registry(storage, settings):
    return TableModelRegistry(storage.tables.get_table_client(settings.models_table))


@pytest.fixture
def store(storage, settings):
    return BlobModelStore(storage.blobs.get_container_client(settings.models_container))


@pytest.fixture
def queues(storage, settings):
    return ModelQueues(storage.queues, settings)


@pytest.fixture
def fast_settings(settings):
    """Short visibility, heartbeat and backoff, so that renewals and retries happen within a test."""
    return replace(settings, message_visibility_seconds=2, heartbeat_seconds=0.1, retry_backoff_seconds=0.05,
                   max_retry_backoff_seconds=0.2)


def make_worker(settings, storage, registry, store, trainer_factory=None, schedules=None) -> Worker:
    jobs = TableJobRegistry(storage.tables.get_table_client(settings.models_table))
    return Worker.from_storage(settings, storage, registry=registry, store=store, trainer_factory=trainer_factory,
                               schedules=schedules, jobs=jobs)


def create_model(registry, queues, container="data", usage_path="usage.csv", **parameters) -> str:
    """Register a model and send its train message, as the web app does."""
    record = ModelRecord(
        id=str(uuid.uuid4()), description=None, creation_time=datetime.now(timezone.utc), status=ModelStatus.CREATED,
        status_message="created",
        parameters={"blobContainerName": container, "usageRelativePath": usage_path, **DEFAULT_PARAMETERS,
                    **parameters})
    registry.create(record)
    queues.send_train(record.id)
    return record.id


def model_blob_names(storage, settings, model_id) -> list:
    container = storage.blobs.get_container_client(settings.models_container)
    return sorted(blob.name for blob in container.list_blobs(name_starts_with=f"{model_id}/"))


def in_thread(function, **kwargs) -> threading.Thread:
    thread = threading.Thread(target=function, kwargs=kwargs, daemon=True)
    thread.start()
    return thread


def wait_until(predicate, timeout=10.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {timeout} s")


class ScriptedTrainers:
    """A trainer_factory whose trainers act like ModelTrainer: progress in steps, then the model blob.

    `steps` progress reports `step_seconds` apart; `error` raised instead of finishing; `before_store`
    called (without a progress report) right before the blob is written. Counts trainings started and finished.
    """

    def __init__(self, store, steps=3, step_seconds=0.0, error=None, before_store=None):
        self.store, self.steps, self.step_seconds = store, steps, step_seconds
        self.error, self.before_store = error, before_store
        self.started = self.finished = 0

    def __call__(self, report_progress):
        return _ScriptedTrainer(self, report_progress)


class _ScriptedTrainer:
    def __init__(self, script: ScriptedTrainers, report_progress):
        self._script, self._report = script, report_progress

    def train(self, record) -> dict:
        script = self._script
        script.started += 1
        self._report("Downloading usage blobs")
        for step in range(script.steps):
            self._report(f"Core training: Counting co-occurrences ({step / script.steps:.0%})")
            time.sleep(script.step_seconds)
        if script.error is not None:
            raise script.error
        if script.before_store is not None:
            script.before_store(record)
        script.store.save(record.id, b"a model")
        script.finished += 1
        return {"totalDuration": 0.0}
