"""Scheduled retrains on Azurite: a retrain on worse data leaves the default alone and says why; of two
workers that see the same due tick, exactly one retrains."""
import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from registry import ModelStatus, ScheduleRecord, TableScheduleStore
from webjob.scheduler import Scheduler
from worker_harness import create_model, make_worker, queues, registry, store  # noqa: F401 - fixtures

POLICY = {"metric": "ndcgAt10", "tolerance": 0.01}
FILLERS = [f"f{item}" for item in range(15)]


def usage(lines) -> bytes:
    # Filler users make 15 filler items the most popular, so backfill never finds a test item by chance.
    fillers = [f"fu{user},{item}" for user in range(40) for item in FILLERS[user % 5:user % 5 + 10]]
    return "\n".join(lines + fillers).encode() + b"\n"


def left_out(user: int) -> str:
    return f"{'a' if user % 2 == 0 else 'b'}{user % 3 + 1}"


# Good: each user has two items of their cluster; the third, left out, is what evaluation expects.
GOOD = usage([f"u{user},{left_out(user)[0]}{j}" for user in range(12) for j in (1, 2, 3)
              if f"{left_out(user)[0]}{j}" != left_out(user)])
# Worse (a broken export): one item per user, so nothing co-occurs and every list is popular fillers.
WORSE = usage([f"u{user},{left_out(user)[0]}{(user + 1) % 3 + 1}" for user in range(12)])
EVALUATION = "\n".join(f"u{user},{left_out(user)}" for user in range(12)).encode() + b"\n"


@pytest.fixture
def schedules(storage, settings):
    return TableScheduleStore(storage.tables.get_table_client(settings.models_table))


def test_a_scheduled_retrain_on_worse_data_leaves_the_default_and_says_why(settings, storage, registry, store,
                                                                          queues, usage_container, schedules):
    usage_container.upload_blob("good/u.csv", GOOD)
    usage_container.upload_blob("worse/u.csv", WORSE)
    usage_container.upload_blob("eval.csv", EVALUATION)
    model_id = create_model(registry, queues, usage_container.container_name, "good", supportThreshold=1,
                            evaluationUsageRelativePath="eval.csv")
    worker = make_worker(settings, storage, registry, store)
    worker.work(burst=True)
    assert registry.get_default_id() == model_id, registry.get(model_id).status_message
    schedules.put(ScheduleRecord(model_id=model_id, cron="* * * * *", usage_relative_path="worse",
                                 promotion_policy=POLICY,
                                 last_tick=datetime.now(timezone.utc) - timedelta(minutes=2)))

    scheduled = make_worker(settings, storage, registry, store, schedules=schedules)
    assert scheduled.work(burst=True) is True

    [child_id] = schedules.get(model_id).children
    child = registry.get(child_id)
    assert child.status == ModelStatus.COMPLETED, child.status_message
    assert child.parent_model_id == model_id and child.parameters["usageRelativePath"] == "worse"
    assert "not promoted" in child.status_message and "ndcgAt10" in child.status_message
    assert "worse by more than the tolerance" in child.status_message
    assert registry.get_default_id() == model_id


def test_two_workers_on_one_due_tick_retrain_once(settings, storage, registry, queues, schedules):
    parent = create_model(registry, queues, "data", "usage.csv")
    queues.train.clear_messages()
    schedules.put(ScheduleRecord(model_id=parent, cron="*/5 * * * *",
                                 last_tick=datetime(2025, 1, 1, 10, 0, tzinfo=timezone.utc)))
    both_read = threading.Barrier(2)

    class ReadTogether:
        """The schedule store, but list_all returns only once both workers have read the same rows."""

        def __getattr__(self, name):
            return getattr(schedules, name)

        def list_all(self):
            rows = schedules.list_all()
            both_read.wait(timeout=10)
            return rows

    clock = lambda: datetime(2025, 1, 1, 10, 7, tzinfo=timezone.utc)  # noqa: E731 - one due tick: 10:05
    workers = [Scheduler(registry, ReadTogether(), queues.send_train, clock=clock) for _ in range(2)]
    started = []
    threads = [threading.Thread(target=lambda w=w: started.append(w.check())) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert sorted(started) == [0, 1]
    schedule = schedules.get(parent)
    assert len(schedule.children) == 1 and schedule.last_tick == datetime(2025, 1, 1, 10, 7, tzinfo=timezone.utc)
    assert registry.get(schedule.children[0]).parent_model_id == parent
    assert queues.train.get_queue_properties().approximate_message_count == 1
    assert Scheduler(registry, schedules, queues.send_train, clock=clock).check() == 0  # the tick is spent


def test_the_parent_is_the_newest_completed_retrain_and_a_deleted_model_ends_its_schedule(registry, queues,
                                                                                          schedules):
    model_id = create_model(registry, queues, "data", "usage.csv")
    done, running = (create_model(registry, queues, "data", "usage.csv") for _ in range(2))
    registry.update(registry.get(done).with_status(ModelStatus.COMPLETED, "done"))
    schedules.put(ScheduleRecord(model_id=model_id, cron="* * * * *", children=(running, done),
                                 last_tick=datetime(2025, 1, 1, tzinfo=timezone.utc)))
    scheduler = Scheduler(registry, schedules, queues.send_train)
    assert scheduler.check() == 1
    assert registry.get(schedules.get(model_id).children[0]).parent_model_id == done
    registry.delete(model_id)
    schedules.put(replace(schedules.get(model_id), last_tick=datetime(2025, 1, 1, tzinfo=timezone.utc)))
    assert Scheduler(registry, schedules, queues.send_train).check() == 0
    assert [schedule.model_id for schedule in schedules.list_all()] == []
