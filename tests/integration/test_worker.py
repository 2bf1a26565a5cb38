"""The worker against a real Azurite, driven with work(burst=True)."""
from dataclasses import replace

import pytest

from model_provider import ModelBlobNotFoundError
from recommender import from_bytes
from recommender.scoring import similar_items
from registry import ModelStatus
from usage_data import CLUSTERED_USAGE
from worker_harness import create_model, make_worker, queues, registry, store  # noqa: F401 - fixtures


@pytest.fixture
def worker(settings, storage, registry, store):
    return make_worker(settings, storage, registry, store)


def test_trains_a_model_from_a_folder_and_makes_it_the_default(worker, registry, store, queues, usage_container):
    lines = CLUSTERED_USAGE.splitlines(keepends=True)
    usage_container.upload_blob("usage/part1.csv", b"".join(lines[:10]))
    usage_container.upload_blob("usage/part2.csv", b"".join(lines[10:]))
    usage_container.upload_blob("usage/nested/ignored.csv", b"not,read,at-all\n")  # not directly under the folder
    model_id = create_model(registry, queues, usage_container.container_name, "usage")

    assert worker.work(burst=True) is True

    record = registry.get(model_id)
    assert record.status == ModelStatus.COMPLETED, record.status_message
    assert record.statistics["numberOfUsers"] == 12
    assert record.statistics["numberOfUsageItems"] == 6
    assert record.statistics["usageEventsParsing"]["errors"] == []
    assert registry.get_default_id() == model_id
    model = from_bytes(store.load(model_id).data, expected_model_id=model_id)
    assert [item for item, _ in similar_items(model, "a1", k=2)] == ["a2", "a3"]


def test_no_model_becomes_the_default_by_itself_without_auto_default_model(settings, storage, registry, store, queues,
                                                                          usage_container):
    usage_container.upload_blob("usage.csv", CLUSTERED_USAGE)
    worker = make_worker(replace(settings, auto_default_model=False), storage, registry, store)
    model_id = create_model(registry, queues, usage_container.container_name, "usage.csv")
    assert worker.work(burst=True) is True
    assert registry.get(model_id).status == ModelStatus.COMPLETED
    assert registry.get_default_id() is None
    queues.send_train(model_id)  # a repeated message for a Completed model: the other path that sets a default
    worker.work(burst=True)
    assert registry.get_default_id() is None


def test_missing_usage_blob_fails_the_model_with_the_path(worker, registry, queues, usage_container):
    model_id = create_model(registry, queues, usage_container.container_name, "nothing/here.csv")
    worker.work(burst=True)
    record = registry.get(model_id)
    assert record.status == ModelStatus.FAILED
    assert f"{usage_container.container_name}/nothing/here.csv" in record.status_message
    assert registry.get_default_id() is None


def test_too_many_bad_lines_fail_the_model_and_keep_the_report(worker, registry, queues, usage_container, settings):
    bad = b"".join(b"only-one-field\n" for _ in range(settings.max_parsing_errors + 1))
    usage_container.upload_blob("bad.csv", CLUSTERED_USAGE + bad)
    model_id = create_model(registry, queues, usage_container.container_name, "bad.csv")
    worker.work(burst=True)
    record = registry.get(model_id)
    assert record.status == ModelStatus.FAILED
    assert "MissingFields" in record.status_message and "bad.csv line 37" in record.status_message
    errors = record.statistics["usageEventsParsing"]["errors"]
    assert errors == [{"error": "MissingFields", "count": 101, "sample": {"file": "bad.csv", "line": 37}}]


def test_a_repeated_train_message_does_not_train_twice(worker, registry, queues, usage_container):
    usage_container.upload_blob("u.csv", CLUSTERED_USAGE)
    model_id = create_model(registry, queues, usage_container.container_name, "u.csv")
    worker.work(burst=True)
    completed = registry.get(model_id)
    queues.send_train(model_id)  # at-least-once delivery: the same message again
    worker.work(burst=True)
    assert registry.get(model_id).etag == completed.etag


def test_delete_message_removes_the_blob(worker, registry, store, queues, usage_container):
    usage_container.upload_blob("u.csv", CLUSTERED_USAGE)
    model_id = create_model(registry, queues, usage_container.container_name, "u.csv")
    worker.work(burst=True)
    registry.delete(model_id)
    queues.send_delete(model_id)
    worker.work(burst=True)
    with pytest.raises(ModelBlobNotFoundError):
        store.load(model_id)
