"""Deleting a model cancels its training and leaves no blob behind, whatever the timing."""
import logging

import pytest

from model_provider import ModelBlobNotFoundError
from registry import ModelNotFoundError, ModelStatus
from worker_harness import (ScriptedTrainers, create_model, fast_settings, in_thread, make_worker,  # noqa: F401
                            model_blob_names, queues, registry, store, wait_until)


def delete_model(registry, queues, model_id):
    """What DELETE /api/models/{id} does: the record now, the rest by a delete message."""
    registry.delete(model_id)
    queues.send_delete(model_id)


def test_deleting_a_model_in_training_cancels_it_and_frees_the_worker(fast_settings, storage, registry, store,
                                                                       queues, caplog):
    trainers = ScriptedTrainers(store, steps=200, step_seconds=0.05)
    worker = make_worker(fast_settings, storage, registry, store, trainers)
    model_id = create_model(registry, queues)
    with caplog.at_level(logging.INFO, logger="webjob"):
        thread = in_thread(worker.work, burst=True)
        wait_until(lambda: trainers.started == 1, what="the training")
        delete_model(registry, queues, model_id)
        thread.join(timeout=5)

    assert not thread.is_alive(), "the training was not cancelled"
    assert trainers.finished == 0
    assert f"model {model_id} was deleted; training cancelled" in caplog.text
    assert model_blob_names(storage, fast_settings, model_id) == []
    with pytest.raises(ModelNotFoundError):
        registry.get(model_id)
    assert queues.train.get_queue_properties().approximate_message_count == 0
    assert queues.delete.get_queue_properties().approximate_message_count == 0
    next_model = create_model(registry, queues)
    trainers.steps = 1
    worker.work(burst=True)
    assert registry.get(next_model).status == ModelStatus.COMPLETED


def test_a_model_deleted_while_its_blob_is_being_stored_keeps_no_blob(fast_settings, storage, registry, store, queues):
    # The deletion lands after the training's last cancellation point, just before it writes the blob.
    trainers = ScriptedTrainers(store, before_store=lambda record: registry.delete(record.id))
    model_id = create_model(registry, queues)

    make_worker(fast_settings, storage, registry, store, trainers).work(burst=True)

    assert trainers.finished == 1  # the blob was written...
    with pytest.raises(ModelBlobNotFoundError):
        store.load(model_id)  # ...and removed once the Completed write found no model
    assert model_blob_names(storage, fast_settings, model_id) == []


def test_a_train_message_for_a_deleted_model_removes_a_blob_left_behind(fast_settings, storage, registry, store,
                                                                        queues):
    model_id = create_model(registry, queues)
    store.save(model_id, b"left by a worker that died before it noticed the deletion")
    registry.delete(model_id)
    trainers = ScriptedTrainers(store)
    make_worker(fast_settings, storage, registry, store, trainers).work(burst=True)
    assert trainers.started == 0
    assert model_blob_names(storage, fast_settings, model_id) == []


def test_a_delete_message_for_a_model_that_exists_is_not_acted_on(fast_settings, storage, registry, store, queues):
    model_id = create_model(registry, queues)
    trainers = ScriptedTrainers(store)
    worker = make_worker(fast_settings, storage, registry, store, trainers)
    worker.work(burst=True)
    queues.send_delete(model_id)
    worker.work(burst=True)
    assert store.load(model_id).data == b"a model"
    assert registry.get(model_id).status == ModelStatus.COMPLETED
