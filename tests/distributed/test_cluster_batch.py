"""Batch jobs scored on a Dask cluster (issue 23): the parts, byte for byte, of the same job scored in the worker
process; the model read once per Dask worker process; a resumed job goes on from its last part."""
import uuid
from dataclasses import replace
from datetime import datetime, timezone

import numpy as np
import pytest
from cluster_data import parse_locally, usage_files

from model_provider import BlobModelStore
from recommender import SARParameters, fit, to_bytes
from registry import JobRecord, JobStatus, ModelRecord, ModelStatus, TableJobRegistry, TableModelRegistry
from storage.queues import ModelQueues
from webapp.request_schemas import batch_request_schema
from webjob.batch_parts import PartsJob
from webjob.cancellation import Cancellation, CancelReason
from webjob.engines import dask_batch
from webjob.engines.dask_batch import DaskPartScorer
from webjob.exceptions import TrainingCancelledError
from webjob.worker import Worker

ROWS_PER_PART = 40
"""The model's 300 users make 8 parts: more parts than the cluster's 2 worker processes."""


@pytest.fixture
def model_id(settings, storage):
    """A Completed model with user histories, trained here from seeded usage and stored as the worker stores it."""
    events, _ = parse_locally(usage_files(seed=8, n_files=1, lines_per_file=2000, users=300))
    model = fit(events, SARParameters(support_threshold=2, enable_user_to_item=True))
    model_id = str(uuid.uuid4())
    BlobModelStore(storage.blobs.get_container_client(settings.models_container)).save(model_id,
                                                                                       to_bytes(model, model_id))
    registry(settings, storage).create(ModelRecord(
        id=model_id, description=None, creation_time=datetime.now(timezone.utc), status=ModelStatus.COMPLETED,
        status_message="trained by the test", parameters={"enableUserToItemRecommendations": True}))
    return model_id


def registry(settings, storage) -> TableModelRegistry:
    return TableModelRegistry(storage.tables.get_table_client(settings.models_table))


def jobs_of(settings, storage) -> TableJobRegistry:
    return TableJobRegistry(storage.tables.get_table_client(settings.models_table))


def run_job(settings, storage, model_id: str, body: dict, **done) -> JobRecord:
    """Queue a job (with `done`, as a worker left it: parts_done, users_scored, ...) and run it with a worker of
    `settings`; the job as it ended."""
    jobs = jobs_of(settings, storage)
    job = jobs.create_job(JobRecord(
        id=str(uuid.uuid4()), model_id=model_id, creation_time=datetime.now(timezone.utc), status=JobStatus.QUEUED,
        status_message="Queued", request=batch_request_schema.dump(batch_request_schema.load(body)), **done))
    ModelQueues(storage.queues, settings).send_batch(job.id)
    store = BlobModelStore(storage.blobs.get_container_client(settings.models_container))
    worker = Worker.from_storage(replace(settings, batch_rows_per_part=ROWS_PER_PART), storage,
                                 registry=registry(settings, storage), store=store, jobs=jobs)
    assert worker.work(burst=True) is True
    return jobs.get_job(job.id)


def parts_of(container, path: str) -> dict:
    return {blob.name.rsplit("/", 1)[1]: container.download_blob(blob.name).readall()
            for blob in container.list_blobs(name_starts_with=f"{path}/")}


@pytest.fixture
def on_dask(settings, dask_client):
    """The test's settings with the session's LocalCluster as DASK_SCHEDULER_ADDRESS."""
    return replace(settings, dask_scheduler_address=dask_client.scheduler.address)


@pytest.mark.parametrize("request_fields", [
    {"format": "csv", "recommendationCount": 5, "excludeItemIds": ["i1", "i2"], "itemIdPrefix": "i"},
    {"format": "jsonl", "recommendationCount": 3, "userListRelativePath": "users.txt"},
])
def test_the_cluster_writes_the_parts_of_the_local_worker(settings, on_dask, storage, usage_container, model_id,
                                                          dask_client, request_fields):
    usage_container.upload_blob("users.txt", "".join(f"u{user}\n" for user in range(299, 0, -2)) + "nobody\n")
    body = {"outputContainerName": usage_container.container_name, **request_fields}
    loads_before = dask_client.run(dask_batch.model_loads)

    local = run_job(settings, storage, model_id, {**body, "outputRelativePath": "local"})
    cluster = run_job(on_dask, storage, model_id, {**body, "outputRelativePath": "dask"})

    assert (local.status, cluster.status) == (JobStatus.COMPLETED, JobStatus.COMPLETED), cluster.status_message
    expected, got = parts_of(usage_container, "local"), parts_of(usage_container, "dask")
    assert len(expected) == local.parts_done > 2
    assert got == expected  # the same bytes, part by part
    assert (cluster.users_scored, cluster.rows_written, cluster.errors) == \
        (local.users_scored, local.rows_written, local.errors)
    loads = {worker: count - loads_before[worker] for worker, count in dask_client.run(dask_batch.model_loads).items()}
    assert sum(loads.values()) >= 1 and max(loads.values()) <= 1, loads  # each process read the model once at most


def test_a_resumed_job_scores_only_the_parts_after_the_last_one_written(settings, on_dask, storage, usage_container,
                                                                        model_id):
    body = {"outputContainerName": usage_container.container_name, "recommendationCount": 4}
    local = run_job(settings, storage, model_id, {**body, "outputRelativePath": "local"})
    resumed = run_job(on_dask, storage, model_id, {**body, "outputRelativePath": "dask"}, parts_done=3,
                      users_scored=3 * ROWS_PER_PART, progress=0.375)

    assert (resumed.status, resumed.parts_done, resumed.users_scored) == \
        (JobStatus.COMPLETED, local.parts_done, local.users_scored)
    expected, got = parts_of(usage_container, "local"), parts_of(usage_container, "dask")
    assert sorted(got) == sorted(expected)[3:]  # parts 0-2 were the earlier worker's
    assert all(got[name] == expected[name] for name in got)


def test_a_cancelled_job_stops_waiting_for_its_parts(on_dask, storage, model_id):
    scorer = DaskPartScorer.for_settings(on_dask, storage.blobs)
    cancellation = Cancellation()
    cancellation.cancel(CancelReason.MODEL_DELETED)
    job = PartsJob(model_id, None, None, {"recommendationCount": 3, "format": "csv"}, [np.arange(5)] * 3)
    with pytest.raises(TrainingCancelledError):
        next(scorer.score_parts(job, cancellation))
