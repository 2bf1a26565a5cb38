"""Issue 19: no model is stuck or lost. The sweep finishes what lost its message or its record, and a training
that hangs fails at its deadline."""
import threading
import time
import uuid
from dataclasses import replace

import pytest

from registry import ModelNotFoundError, ModelStatus
from webjob.lease import TrainingLease
from webjob.sweeper import SWEEP_BLOB_NAME
from worker_harness import (ScriptedTrainers, create_model, fast_settings, make_worker,  # noqa: F401
                            model_blob_names, queues, registry, store)


@pytest.fixture
def sweep_settings(fast_settings):
    return replace(fast_settings, stale_message_seconds=1, sweep_interval_seconds=1)


def drain(queue):
    for message in queue.receive_messages():
        queue.delete_message(message)


def test_a_delete_whose_message_was_lost_still_removes_the_blobs_and_the_record(sweep_settings, storage, registry,
                                                                               store, queues):
    model_id = create_model(registry, queues)
    make_worker(sweep_settings, storage, registry, store, ScriptedTrainers(store)).work(burst=True)
    assert model_blob_names(storage, sweep_settings, model_id) == [f"{model_id}/model.sar",
                                                                   f"{model_id}/training.lease"]
    registry.delete(model_id)  # DELETE /api/models/{id} whose send_delete then failed: no message
    with pytest.raises(ModelNotFoundError):
        registry.get(model_id)
    time.sleep(1.5)  # older than STALE_MESSAGE_SECONDS

    make_worker(sweep_settings, storage, registry, store).work(burst=True)

    assert model_blob_names(storage, sweep_settings, model_id) == []
    assert [record.id for record in registry.all_records()] == []


def test_the_sweep_retrains_a_model_whose_message_was_lost_and_removes_blobs_with_no_record(sweep_settings, storage,
                                                                                           registry, store, queues):
    lost = create_model(registry, queues)
    drain(queues.train)  # the train message is gone
    orphan = str(uuid.uuid4())
    store.save(orphan, b"a model whose record is gone")
    time.sleep(1.5)
    trainers = ScriptedTrainers(store)

    make_worker(sweep_settings, storage, registry, store, trainers).work(burst=True)

    assert registry.get(lost).status == ModelStatus.COMPLETED and trainers.finished == 1
    assert model_blob_names(storage, sweep_settings, orphan) == []


def test_a_stale_in_progress_model_is_left_alone_while_its_training_lease_is_held(sweep_settings, storage, registry,
                                                                                  store, queues):
    model_id = create_model(registry, queues)
    drain(queues.train)
    registry.update(registry.get(model_id).with_status(ModelStatus.IN_PROGRESS, "counting"))
    container = storage.blobs.get_container_client(sweep_settings.models_container)
    lease = TrainingLease(container, model_id, "another worker's message")
    assert lease.acquire()
    time.sleep(1.5)
    make_worker(sweep_settings, storage, registry, store, ScriptedTrainers(store)).work(burst=True)
    assert registry.get(model_id).status == ModelStatus.IN_PROGRESS  # not sent again: someone trains it
    lease.release()
    time.sleep(1.1)  # a sweep interval: the last sweep was just now

    make_worker(sweep_settings, storage, registry, store, ScriptedTrainers(store)).work(burst=True)
    assert registry.get(model_id).status == ModelStatus.COMPLETED  # lease gone: its message was sent again


def test_only_one_worker_sweeps_at_a_time(sweep_settings, storage, registry, store):
    orphan = str(uuid.uuid4())
    store.save(orphan, b"a model whose record is gone")
    sweep_blob = storage.blobs.get_container_client(sweep_settings.models_container).get_blob_client(SWEEP_BLOB_NAME)
    sweep_blob.upload_blob(b"")
    held = sweep_blob.acquire_lease(lease_duration=60)  # another worker is sweeping
    make_worker(sweep_settings, storage, registry, store).work(burst=True)
    assert model_blob_names(storage, sweep_settings, orphan) == [f"{orphan}/model.sar"]
    held.release()
    make_worker(sweep_settings, storage, registry, store).work(burst=True)
    assert model_blob_names(storage, sweep_settings, orphan) == []


class HangingTrainer:
    """A trainer stuck in a call that never checks for cancellation (a Dask call that hangs)."""

    def __init__(self):
        self.release = threading.Event()

    def __call__(self, report_progress):
        return self

    def train(self, record):
        self.release.wait(30)
        return {}


def test_a_training_that_hangs_fails_at_its_deadline_with_the_reason(fast_settings, storage, registry, store, queues):
    settings = replace(fast_settings, training_deadline_seconds=1)
    model_id = create_model(registry, queues)
    trainer = HangingTrainer()
    try:
        started = time.monotonic()
        make_worker(settings, storage, registry, store, trainer).work(burst=True)
        elapsed = time.monotonic() - started
    finally:
        trainer.release.set()
    record = registry.get(model_id)
    assert record.status == ModelStatus.FAILED and elapsed < 10
    assert "longer than its deadline of 1 s" in record.status_message
    assert queues.train.get_queue_properties().approximate_message_count == 0
