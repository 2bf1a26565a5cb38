"""The fault suite: real `python -m webjob` processes on a real Azurite, killed, stopped and starved of storage.

Timeouts are shortened through settings (worker_fleet.FAST_SETTINGS): a 3 s message visibility, a 0.3 s
heartbeat, retries from 0.2 s. A "big" model trains for several seconds on 600,000 usage events in six
files, longer than the visibility, so only the heartbeat's renewals keep a second worker away from it.
"""
import itertools
import random
import time

import pytest
from api_keys import KEYS
from usage_data import CLUSTERED_USAGE
from worker_fleet import WorkerFleet, create_model, synthetic_usage, upload_usage, wait_for_statuses, wait_until

from model_provider import BlobModelStore
from recommender import from_bytes
from registry import ModelNotFoundError, ModelStatus, TableModelRegistry
from storage.queues import ModelQueues

BIG_USAGE = (600_000, 6)
"""Events and files of the big data set."""


@pytest.fixture
def registry(storage, settings):
    return TableModelRegistry(storage.tables.get_table_client(settings.models_table))


@pytest.fixture
def queues(storage, settings):
    return ModelQueues(storage.queues, settings)


@pytest.fixture
def data(usage_container):
    """A container with the folder big (trains for seconds) and small.csv (trains at once)."""
    upload_usage(usage_container, "big", synthetic_usage(*BIG_USAGE))
    usage_container.upload_blob("small.csv", CLUSTERED_USAGE)
    return usage_container.container_name


@pytest.fixture
def fleet(azurite, storage_names, settings, tmp_path):
    fleet = WorkerFleet(azurite.connection_string, KEYS, storage_names, tmp_path)
    yield fleet
    fleet.stop_all()


def model_blobs(storage, settings, model_id) -> list:
    container = storage.blobs.get_container_client(settings.models_container)
    return [blob.name for blob in container.list_blobs(name_starts_with=f"{model_id}/") if blob.name.endswith(".sar")]


def test_kill_9_during_training_repeated_loses_no_model_and_trains_none_twice(fleet, registry, queues, data, storage,
                                                                           settings):
    models = [create_model(registry, queues, data, "big") for _ in range(3)]
    fleet.start("worker-1")
    fleet.start("worker-2")
    kills, rng = 0, random.Random(7)
    for restart in itertools.count(1):
        name, _ = fleet.wait_for_a_training()
        time.sleep(rng.uniform(0.2, 1.0))  # somewhere in download, parsing or co-occurrence counting
        fleet.processes[name].kill()
        killed_training = fleet.training_now(name)  # by its final log: it may have moved on to another model
        if killed_training and registry.get(killed_training).status == ModelStatus.IN_PROGRESS:
            kills += 1  # it died mid-training (not after completing, nor between two trainings)
        fleet.start(f"worker-restart-{restart}", wait=False)
        if kills == 3:
            break

    records = wait_for_statuses(registry, models, timeout=90, fleet=fleet)

    assert {record.status for record in records.values()} == {ModelStatus.COMPLETED}, records
    store = BlobModelStore(storage.blobs.get_container_client(settings.models_container))
    for model_id in models:
        assert model_blobs(storage, settings, model_id) == [f"{model_id}/model.sar"]
        assert from_bytes(store.load(model_id).data, expected_model_id=model_id).n_items == records[model_id].statistics["numberOfUsageItems"]
    completions = fleet.completions()  # a worker killed just after writing Completed never logs it
    assert len(completions) == len(set(completions)) and set(completions) <= set(models), completions
    time.sleep(4)  # longer than the visibility: a message left behind would be trained again by now
    started = fleet.trainings_started()
    assert len(started) == len(models) + kills, started  # one restart per kill, no duplicate training
    assert queues.train.get_queue_properties().approximate_message_count == 0


def test_two_workers_twenty_models_each_trained_once(fleet, registry, queues, data):
    fleet.start("worker-1")
    fleet.start("worker-2")
    models = [create_model(registry, queues, data, "small.csv") for _ in range(20)]

    records = wait_for_statuses(registry, models, timeout=60, fleet=fleet)

    assert {record.status for record in records.values()} == {ModelStatus.COMPLETED}
    started = [model_id for model_id, _ in fleet.trainings_started()]
    assert sorted(started) == sorted(models)  # each exactly once
    assert sorted(fleet.completions()) == sorted(models)
    per_worker = {name: process.log().count("training started") for name, process in fleet.processes.items()}
    assert sum(per_worker.values()) == 20, per_worker


def test_a_training_that_always_fails_ends_failed_after_the_poison_threshold(fleet, registry, queues, data,
                                                                            storage, settings):
    model_id = create_model(registry, queues, data, "small.csv")
    # Someone holds an infinite lease on the model's blob (a backup tool, say): every save is refused.
    locked = storage.blobs.get_container_client(settings.models_container).get_blob_client(f"{model_id}/model.sar")
    locked.upload_blob(b"locked")
    lock = locked.acquire_lease(lease_duration=-1)
    try:
        fleet.start("worker-1")
        record = wait_for_statuses(registry, [model_id], timeout=60, fleet=fleet)[model_id]
    finally:
        lock.break_lease(lease_break_period=0)

    assert record.status == ModelStatus.FAILED
    assert record.status_message.startswith("Failed: attempt 5 of 5 failed: HttpResponseError: There is currently "
                                            "a lease on the blob"), record.status_message
    assert [delivery for _, delivery in fleet.trainings_started()] == [1, 2, 3, 4, 5]
    wait_until(lambda: queues.train.get_queue_properties().approximate_message_count == 0, 5, "the drained queue")
    poisoned = storage.queues.get_queue_client(settings.train_poison_queue).peek_messages()
    assert [model_id in message.content for message in poisoned] == [True]


def test_delete_during_training_leaves_no_blob_and_frees_the_worker(fleet, registry, queues, data, storage,
                                                                    settings):
    model_id = create_model(registry, queues, data, "big")
    fleet.start("worker-1")
    fleet.wait_for_a_training()
    time.sleep(0.5)
    registry.delete(model_id)  # what DELETE /api/models/{id} does
    queues.send_delete(model_id)

    wait_until(lambda: f"model {model_id} was deleted; training cancelled" in fleet.logs(), 5, "the cancellation")
    wait_until(lambda: queues.delete.get_queue_properties().approximate_message_count == 0, 10, "the delete message")

    with pytest.raises(ModelNotFoundError):
        registry.get(model_id)
    assert model_blobs(storage, settings, model_id) == []
    next_model = create_model(registry, queues, data, "small.csv")
    assert wait_for_statuses(registry, [next_model], timeout=20, fleet=fleet)[next_model].status == \
        ModelStatus.COMPLETED
    assert model_blobs(storage, settings, model_id) == []  # and none appeared later


def test_sigterm_abandons_the_training_makes_its_message_visible_and_exits_within_10_s(azurite, storage_names,
                                                                                      tmp_path, registry, queues,
                                                                                      data):
    # A long visibility: the message can only be visible right after the exit if the worker released it.
    fleet = WorkerFleet(azurite.connection_string, KEYS, storage_names, tmp_path, message_visibility_seconds=60)
    try:
        model_id = create_model(registry, queues, data, "big")
        worker = fleet.start("worker-1")
        fleet.wait_for_a_training()
        time.sleep(0.5)
        stopping_at = time.monotonic()
        exit_code = worker.stop(grace_seconds=15)
        stop_seconds = time.monotonic() - stopping_at

        assert exit_code == 0 and stop_seconds < 10, (exit_code, stop_seconds)
        assert len(queues.train.peek_messages()) == 1
        record = registry.get(model_id)
        assert record.status_message == "Interrupted by a worker shutdown; waiting for another worker"
        fleet.start("worker-2")
        assert wait_for_statuses(registry, [model_id], timeout=30, fleet=fleet)[model_id].status == \
            ModelStatus.COMPLETED
        # The stop handed the message back as a new one: no delivery used up (issue 19).
        assert fleet.trainings_started() == [(model_id, 1), (model_id, 1)]
        assert f"model {model_id}: training started (delivery 1 of 5, after 1 interruptions)" in fleet.logs()
    finally:
        fleet.stop_all()


def test_five_rolling_restarts_during_one_training_do_not_fail_it(fleet, registry, queues, data):
    # Issue 19: each SIGTERM used to cost a delivery, and the sixth delivery gave up on the model.
    model_id = create_model(registry, queues, data, "big")
    fleet.start("worker-0")
    for restart in range(1, 6):
        name, training = fleet.wait_for_a_training(timeout=60)
        assert training == model_id
        time.sleep(0.3)
        assert fleet.processes[name].stop(grace_seconds=15) == 0
        fleet.start(f"worker-{restart}", wait=False)

    record = wait_for_statuses(registry, [model_id], timeout=120, fleet=fleet)[model_id]

    assert record.status == ModelStatus.COMPLETED, record.status_message
    assert fleet.trainings_started() == [(model_id, 1)] * 6
    assert f"model {model_id}: training started (delivery 1 of 5, after 5 interruptions)" in fleet.logs()
