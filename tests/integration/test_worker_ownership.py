"""One training per model however messages arrive: renewed visibility, duplicates, redelivery, shutdown."""
import json
import logging
import time
from dataclasses import replace

from registry import ModelStatus
from webjob.claim import ModelClaim
from webjob.lease import TrainingLease
from worker_harness import (ScriptedTrainers, create_model, fast_settings, in_thread, make_worker,  # noqa: F401
                            model_blob_names, queues, registry, store, wait_until)


def test_a_long_training_keeps_its_message_hidden_and_writes_its_progress(fast_settings, storage, registry, store,
                                                                           queues):
    trainers = ScriptedTrainers(store, steps=20, step_seconds=0.2)  # 4 s: two visibility periods
    worker = make_worker(fast_settings, storage, registry, store, trainers)
    model_id = create_model(registry, queues)
    thread = in_thread(worker.work, burst=True)
    wait_until(lambda: registry.get(model_id).status == ModelStatus.IN_PROGRESS, what="the claim")
    statuses = set()
    while thread.is_alive():
        assert not queues.train.peek_messages(), "the message became visible during the training"
        statuses.add(registry.get(model_id).status_message)
        time.sleep(0.1)
    assert registry.get(model_id).status == ModelStatus.COMPLETED
    assert (trainers.started, trainers.finished) == (1, 1)
    progress = {status for status in statuses if status.startswith("Core training: Counting co-occurrences (")}
    assert len(progress) >= 3, statuses  # stage and percentage, written while the training ran
    assert queues.train.get_queue_properties().approximate_message_count == 0


def test_a_duplicate_message_for_a_model_in_training_is_dropped(fast_settings, storage, registry, store, queues):
    first = ScriptedTrainers(store, steps=20, step_seconds=0.1)
    second = ScriptedTrainers(store)
    model_id = create_model(registry, queues)
    thread = in_thread(make_worker(fast_settings, storage, registry, store, first).work, burst=True)
    wait_until(lambda: first.started == 1, what="the first training")
    queues.send_train(model_id)  # the same request sent twice (a client retry, say)

    assert make_worker(fast_settings, storage, registry, store, second).work(max_messages=1) is True

    assert second.started == 0
    thread.join(timeout=10)
    assert registry.get(model_id).status == ModelStatus.COMPLETED
    assert first.started == 1
    assert queues.train.get_queue_properties().approximate_message_count == 0


def test_a_message_back_from_a_dead_worker_trains_the_model_again(fast_settings, storage, registry, store, queues,
                                                                   caplog):
    model_id = create_model(registry, queues)
    # A worker receives the message, takes the lease, claims the model, reports progress, and dies.
    message = queues.train.receive_message(visibility_timeout=1)
    assert TrainingLease(storage.blobs.get_container_client(fast_settings.models_container), model_id,
                         message.id).acquire()
    ModelClaim.take(registry, model_id, "Core training: Counting co-occurrences (40%)")
    time.sleep(1.2)  # its message becomes visible again; its lease (60 s) is still held
    trainers = ScriptedTrainers(store)

    with caplog.at_level(logging.INFO, logger="webjob"):
        make_worker(fast_settings, storage, registry, store, trainers).work(burst=True)

    assert registry.get(model_id).status == ModelStatus.COMPLETED
    assert trainers.started == 1
    assert f"model {model_id}: training started (delivery 2 of 5)" in caplog.text
    assert model_blob_names(storage, fast_settings, model_id) == [f"{model_id}/model.sar", f"{model_id}/training.lease"]


def test_a_stop_request_abandons_the_training_and_makes_its_message_visible_at_once(settings, storage, registry,
                                                                                    store, queues):
    settings = replace(settings, message_visibility_seconds=60, heartbeat_seconds=0.1)
    trainers = ScriptedTrainers(store, steps=200, step_seconds=0.05)
    worker = make_worker(settings, storage, registry, store, trainers)
    model_id = create_model(registry, queues)
    thread = in_thread(worker.work)
    wait_until(lambda: trainers.started == 1, what="the training")

    stopped_at = time.monotonic()
    worker.request_stop()
    thread.join(timeout=5)

    assert not thread.is_alive() and time.monotonic() - stopped_at < 2
    assert trainers.finished == 0
    assert [message.content for message in queues.train.peek_messages()]  # visible now, not in 60 s
    record = registry.get(model_id)
    assert (record.status, record.status_message) == (
        ModelStatus.IN_PROGRESS, "Interrupted by a worker shutdown; waiting for another worker")
    successor = ScriptedTrainers(store)
    make_worker(settings, storage, registry, store, successor).work(burst=True)
    assert registry.get(model_id).status == ModelStatus.COMPLETED and successor.finished == 1


def stop_during_training(settings, storage, registry, store):
    """One worker trains until stopped; returns the message the queue then holds."""
    trainers = ScriptedTrainers(store, steps=200, step_seconds=0.05)
    worker = make_worker(settings, storage, registry, store, trainers)
    thread = in_thread(worker.work)
    wait_until(lambda: trainers.started == 1, what="the training")
    worker.request_stop()
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_a_stop_hands_the_message_back_up_to_max_interruptions_then_uses_a_delivery(settings, storage, registry,
                                                                                     store, queues):
    settings = replace(settings, message_visibility_seconds=60, heartbeat_seconds=0.1, max_interruptions=1)
    create_model(registry, queues)
    first = queues.train.peek_messages()[0]

    stop_during_training(settings, storage, registry, store)
    handed_back = queues.train.peek_messages()
    assert len(handed_back) == 1 and handed_back[0].id != first.id  # a new message: deliveries start again
    assert json.loads(handed_back[0].content)["interruptions"] == 1

    stop_during_training(settings, storage, registry, store)  # at the bound: released, not re-sent
    released = queues.train.peek_messages()
    assert [(message.id, message.dequeue_count) for message in released] == [(handed_back[0].id, 1)]
    assert json.loads(released[0].content)["interruptions"] == 1
