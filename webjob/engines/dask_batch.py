"""A batch job's parts scored on the Dask cluster (DASK_SCHEDULER_ADDRESS) instead of in the worker process.

Each task gets a part's user rows and the model blob's URL with a short-lived SAS that reads that blob only;
the Dask worker loads the model itself with recommender.from_bytes (the model never travels pickled) and keeps
it for the job's next parts. The task returns the part's bytes: the worker process writes each part and records
its progress in part order, as it does when it scores them itself, so `partsWritten` stays a prefix and a job
taken over elsewhere goes on from it. Imported only when the settings name a scheduler.
"""
import collections
import itertools
import threading
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

from config.secret import Secret
from distributed_sar import WorkerLostError
from distributed_sar.tasks import Tasks
from model_provider.store import MODEL_BLOB_NAME, read_blob_url
from recommender import SARModel, from_bytes
from storage.sas import ReadOnlyContainerUrls

from ..batch_parts import PartsJob, rules_of, score_part
from ..exceptions import BatchScoringError
from .dask_cluster import cluster_client, security_for

IN_FLIGHT_PER_THREAD = 2
"""Parts submitted ahead per Dask worker thread: every thread stays busy while the worker process writes the
part it waits for, and at most this many finished parts per thread wait on the cluster to be written."""
MAX_CACHED_MODELS = 2
"""Models a Dask worker process keeps between tasks: the job's, and one more for a job of another worker
process sharing the cluster. A model can take gigabytes, so no more."""


@dataclass(frozen=True)
class ModelBlobUrl:
    """Where a Dask worker reads the job's model: the blob's URL with a read-only SAS (a Secret: its repr is
    masked), and the model id and ETag the worker process loaded, so every part is scored by that version."""

    url: Secret
    model_id: str
    etag: Optional[str]

    def load(self) -> SARModel:
        """The model, read with the SAS alone.

        :raise ModelFormatError: :raise ModelIdentityError: :raise ModelBlobNotFoundError: :raise ModelChangedError:
        """
        return from_bytes(read_blob_url(str(self.url), self.etag), expected_model_id=self.model_id)


class ModelCache:
    """The models one Dask worker process loaded, least recently used first; `loads` counts the downloads."""

    def __init__(self, size: int = MAX_CACHED_MODELS):
        self._size, self._models, self.loads = size, collections.OrderedDict(), 0
        # One load at a time: a second thread of the worker needing the same model waits for it rather than
        # downloading it again.
        self._lock = threading.Lock()

    def get(self, source: ModelBlobUrl) -> SARModel:
        """The model of `source`, loaded on first use."""
        key = (source.model_id, source.etag)
        with self._lock:
            model = self._models.pop(key, None)
            if model is None:
                model = source.load()
                self.loads += 1
            self._models[key] = model
            while len(self._models) > self._size:
                self._models.popitem(last=False)
            return model


worker_models = ModelCache()
"""This process's models: each Dask worker process imports this module once and keeps it."""


def model_loads() -> int:
    """How many models this process downloaded so far (read on every Dask worker with Client.run)."""
    return worker_models.loads


def score_part_task(source: ModelBlobUrl, rows, request: dict) -> tuple:
    """On a Dask worker: (bytes of the part, rows written) for the users at `rows`."""
    return score_part(worker_models.get(source), rows, request, rules_of(request))


class DaskPartScorer:
    """Scores a job's parts on the cluster at `scheduler_address`, several at once, handing them back in order."""

    def __init__(self, scheduler_address: str, blob_url: Callable[[str, str], Secret], models_container: str,
                 security=None):
        self._scheduler_address, self._blob_url = scheduler_address, blob_url
        self._models_container, self._security = models_container, security

    @classmethod
    def for_settings(cls, settings, blob_service) -> "DaskPartScorer":
        """The scorer of DASK_SCHEDULER_ADDRESS, with DASK_SAS_SECONDS and the DASK_TLS_* files."""
        urls = ReadOnlyContainerUrls.for_settings(settings, blob_service)
        return cls(settings.dask_scheduler_address, urls.blob_url_of, settings.models_container,
                   security_for(settings))

    def score_parts(self, job: PartsJob, cancellation) -> Iterator[tuple]:
        """(bytes, rows written) of each part, in part order. :raise BatchScoringError: Dask workers kept dying
        :raise OSError: the scheduler cannot be reached (the attempt fails, and the message comes back)"""
        source = ModelBlobUrl(self._blob_url(self._models_container, MODEL_BLOB_NAME.format(model_id=job.model_id)),
                              job.model_id, job.etag)
        with cluster_client(self._scheduler_address, self._security) as client:
            tasks = Tasks(client)
            try:
                yield from _in_order(tasks, source, job, cancellation)
            except WorkerLostError as error:
                raise BatchScoringError(f"scoring on the Dask cluster failed: {error}") from None
            finally:
                tasks.cancel()  # a cancelled or failed job: the parts not handed back yet are dropped


def _in_order(tasks: Tasks, source: ModelBlobUrl, job: PartsJob, cancellation) -> Iterator[tuple]:
    """Keep IN_FLIGHT_PER_THREAD parts per thread submitted; hand back each result once the ones before it are."""
    depth = IN_FLIGHT_PER_THREAD * max(1, sum(tasks.client.nthreads().values()))
    waiting, parts = collections.deque(), enumerate(job.parts)
    while True:
        for index, rows in itertools.islice(parts, depth - len(waiting)):
            waiting.append(tasks.submit(score_part_task, source, rows, job.request, label=f"part{index}"))
        if not waiting:
            return
        future = waiting.popleft()
        tasks.wait([future], lambda done: cancellation.raise_if_cancelled())
        result = future.result()
        future.release()
        yield result
