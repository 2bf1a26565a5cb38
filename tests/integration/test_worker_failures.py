"""Messages that cannot succeed end in the poison queue, and their models Failed with the reason."""
import json
import time
from dataclasses import replace

from azure.core.exceptions import ResourceNotFoundError

from registry import ModelStatus
from webjob.claim import ModelClaim
from worker_harness import (ScriptedTrainers, create_model, fast_settings, make_worker, queues, registry,  # noqa: F401
                            store)


def poison_messages(storage, settings) -> list:
    try:
        messages = storage.queues.get_queue_client(settings.train_poison_queue).peek_messages(max_messages=32)
    except ResourceNotFoundError:
        return []  # a worker creates it at start, or when it first poisons a message
    return [json.loads(message.content) for message in messages]


def test_a_training_that_always_fails_is_retried_then_poisoned(fast_settings, storage, registry, store, queues):
    settings = replace(fast_settings, max_dequeue_count=3)
    trainers = ScriptedTrainers(store, error=RuntimeError("disk on fire"))
    model_id = create_model(registry, queues)

    make_worker(settings, storage, registry, store, trainers).work(burst=True)

    assert trainers.started == 3
    record = registry.get(model_id)
    assert record.status == ModelStatus.FAILED
    assert record.status_message == "Failed: attempt 3 of 3 failed: RuntimeError: disk on fire"
    assert [message["modelId"] for message in poison_messages(storage, settings)] == [model_id]
    assert queues.train.get_queue_properties().approximate_message_count == 0
    assert registry.get_default_id() is None


def test_a_message_whose_workers_kept_dying_fails_its_model_with_the_last_status(fast_settings, storage, registry,
                                                                                 store, queues):
    settings = replace(fast_settings, max_dequeue_count=2)
    model_id = create_model(registry, queues)
    for _ in range(2):  # two workers received it and died, the last one during co-occurrence counting
        queues.train.receive_message(visibility_timeout=1)
        time.sleep(1.1)
    ModelClaim.take(registry, model_id, "Core training: Counting co-occurrences (40%)")
    trainers = ScriptedTrainers(store)

    make_worker(settings, storage, registry, store, trainers).work(burst=True)

    assert trainers.started == 0
    record = registry.get(model_id)
    assert record.status == ModelStatus.FAILED
    assert record.status_message == ("Failed: gave up after 2 deliveries without a result; "
                                     "last status: Core training: Counting co-occurrences (40%)")
    assert [message["modelId"] for message in poison_messages(storage, settings)] == [model_id]
    assert queues.train.get_queue_properties().approximate_message_count == 0


def test_a_failing_input_fails_at_once_without_retries(fast_settings, storage, registry, store, queues,
                                                        usage_container):
    model_id = create_model(registry, queues, usage_container.container_name, "nothing/here.csv")
    make_worker(fast_settings, storage, registry, store).work(burst=True)
    record = registry.get(model_id)
    assert record.status == ModelStatus.FAILED and "nothing/here.csv" in record.status_message
    assert poison_messages(storage, fast_settings) == []


def test_a_message_that_is_not_ours_goes_to_the_poison_queue(fast_settings, storage, registry, store, queues):
    queues.train.send_message("definitely not json")
    trainers = ScriptedTrainers(store)
    make_worker(fast_settings, storage, registry, store, trainers).work(burst=True)
    poisoned = storage.queues.get_queue_client(fast_settings.train_poison_queue).peek_messages()
    assert [message.content for message in poisoned] == ["definitely not json"]
    assert trainers.started == 0
    assert queues.train.get_queue_properties().approximate_message_count == 0
