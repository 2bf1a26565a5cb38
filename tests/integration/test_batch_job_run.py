"""A whole batch job on Azurite (issue 23): trained by a worker, scored by a worker into several parts, every
row read back equal to what the recommend route's scoring answers for that user."""
import csv
import io
import json
import uuid
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from recommender import from_bytes, scoring
from registry import JobRecord, JobStatus, TableJobRegistry
from usage_data import CLUSTERED_USAGE
from webapp.request_schemas import batch_request_schema
from worker_harness import create_model, make_worker, queues, registry, store  # noqa: F401 - fixtures

ROWS_PER_PART = 5


@pytest.fixture
def jobs(storage, settings):
    return TableJobRegistry(storage.tables.get_table_client(settings.models_table))


def queue_job(jobs, queues, model_id: str, body: dict) -> str:
    """Write the job row and send its message, as POST /api/models/{id}/batch does."""
    request = batch_request_schema.dump(batch_request_schema.load(body))
    job = JobRecord(id=str(uuid.uuid4()), model_id=model_id, creation_time=datetime.now(timezone.utc),
                    status=JobStatus.QUEUED, status_message="Queued", request=request)
    jobs.create_job(job)
    queues.send_batch(job.id)
    return job.id


def read_parts(container, path: str, extension: str) -> list:
    names = sorted(blob.name for blob in container.list_blobs(name_starts_with=f"{path}/"))
    assert names == [f"{path}/part-{index:05d}.{extension}" for index in range(len(names))]
    return [container.download_blob(name).readall().decode("utf-8") for name in names]


@pytest.mark.parametrize("output_format", ["csv", "jsonl"])
def test_a_worker_scores_every_user_into_parts_equal_to_recommend(settings, storage, registry, store, queues, jobs,
                                                                  usage_container, output_format):
    usage_container.upload_blob("usage.csv", CLUSTERED_USAGE)
    model_id = create_model(registry, queues, usage_container.container_name, "usage.csv", supportThreshold=1,
                            enableUserToItemRecommendations=True)
    worker = make_worker(replace(settings, batch_rows_per_part=ROWS_PER_PART), storage, registry, store)
    worker.work(burst=True)
    model = from_bytes(store.load(model_id).data, expected_model_id=model_id)
    job_id = queue_job(jobs, queues, model_id, {
        "outputContainerName": usage_container.container_name, "outputRelativePath": "out/run1",
        "recommendationCount": 3, "format": output_format})

    assert worker.work(burst=True) is True

    job = jobs.get_job(job_id)
    users = len(model.user_ids)
    parts = -(-users // ROWS_PER_PART)
    assert (job.status, job.users_scored, job.parts_done) == (JobStatus.COMPLETED, users, parts), job.status_message
    texts = read_parts(usage_container, "out/run1", output_format)
    assert len(texts) == parts > 1
    answers = parse_csv(texts) if output_format == "csv" else parse_jsonl(texts)
    assert sorted(answers) == sorted(model.user_ids.tolist())
    for user_id, got in answers.items():
        expected = [(item, score) for item, score in scoring.recommend(model, user_id=user_id, k=3)]
        assert got == expected, user_id
    assert job.rows_written == sum(len(answer) for answer in answers.values())


def parse_csv(texts: list) -> dict:
    answers = {}
    for text in texts:
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["userId", "rank", "itemId", "score"]  # every part reads alone
        for user_id, rank, item_id, score in rows[1:]:
            answers.setdefault(user_id, []).append((item_id, float(score)))
            assert int(rank) == len(answers[user_id])
    return answers


def parse_jsonl(texts: list) -> dict:
    answers = {}
    for text in texts:
        for line in text.splitlines():
            body = json.loads(line)
            answers[body["userId"]] = [(entry["recommendedItemId"], entry["score"])
                                       for entry in body["recommendations"]]
    return answers


def test_a_user_list_of_unknown_users_completes_with_a_header_only_part(settings, storage, registry, store, queues,
                                                                       jobs, usage_container):
    """No known user: no block to score (the pruned path once failed on an empty block), a part with its header."""
    usage_container.upload_blob("usage.csv", CLUSTERED_USAGE)
    usage_container.upload_blob("users.txt", b"nobody-1\nnobody-2\n")
    model_id = create_model(registry, queues, usage_container.container_name, "usage.csv", supportThreshold=1,
                            enableUserToItemRecommendations=True)
    worker = make_worker(settings, storage, registry, store)
    worker.work(burst=True)
    job_id = queue_job(jobs, queues, model_id, {
        "outputContainerName": usage_container.container_name, "outputRelativePath": "out/nobody",
        "userListRelativePath": "users.txt"})

    assert worker.work(burst=True) is True

    job = jobs.get_job(job_id)
    assert (job.status, job.users_scored, job.rows_written) == (JobStatus.COMPLETED, 0, 0), job.status_message
    assert read_parts(usage_container, "out/nobody", "csv") == ["userId,rank,itemId,score\n"]
