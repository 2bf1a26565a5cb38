"""One contract, two schedule stores: the in-memory fake must behave like the Azure Table adapter."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from registry import (
    ConcurrentUpdateError,
    InMemoryScheduleStore,
    ScheduleNotFoundError,
    ScheduleRecord,
    TableModelRegistry,
    TableScheduleStore,
)
from registry.schedules import MAX_CHILDREN
from storage.clients import StorageClients

TICK = datetime(2025, 1, 1, 3, 0, tzinfo=timezone.utc)


def make_schedule(**fields) -> ScheduleRecord:
    return ScheduleRecord(**{"model_id": str(uuid.uuid4()), "cron": "0 3 * * *", "last_tick": TICK, **fields})


class ScheduleContract:
    @pytest.fixture
    def store(self):
        raise NotImplementedError

    def test_a_schedule_reads_back_equal(self, store):
        schedule = store.put(make_schedule(usage_relative_path="weekly/", children=("a", "b"),
                                           promotion_policy={"metric": "ndcgAt10", "tolerance": 0.01}))
        loaded = store.get(schedule.model_id)
        assert loaded.etag and loaded == schedule
        assert [s.model_id for s in store.list_all()] == [schedule.model_id]

    def test_put_replaces_and_delete_removes(self, store):
        schedule = store.put(make_schedule())
        store.put(make_schedule(model_id=schedule.model_id, cron="*/5 * * * *"))
        assert store.get(schedule.model_id).cron == "*/5 * * * *"
        store.delete(schedule.model_id)
        for call in (store.get, store.delete):
            with pytest.raises(ScheduleNotFoundError):
                call(schedule.model_id)

    def test_only_one_of_two_readers_moves_the_tick(self, store):
        first = store.put(make_schedule())
        second = store.get(first.model_id)
        store.update(first.after_tick(TICK + timedelta(days=1), "child-1"))
        with pytest.raises(ConcurrentUpdateError):
            store.update(second.after_tick(TICK + timedelta(days=1), "child-2"))
        assert store.get(first.model_id).children == ("child-1",)

    def test_update_of_a_deleted_schedule_is_not_found(self, store):
        schedule = store.put(make_schedule())
        store.delete(schedule.model_id)
        with pytest.raises(ScheduleNotFoundError):
            store.update(schedule.after_tick(TICK))

    def test_children_are_newest_first_and_bounded(self, store):
        schedule = store.put(make_schedule())
        for child in range(MAX_CHILDREN + 2):
            schedule = store.update(schedule.after_tick(TICK, f"c{child}"))
        assert store.get(schedule.model_id).children == tuple(f"c{c}" for c in range(MAX_CHILDREN + 1, 1, -1))


class TestInMemoryScheduleStore(ScheduleContract):
    @pytest.fixture
    def store(self):
        return InMemoryScheduleStore()


class TestTableScheduleStore(ScheduleContract):
    @pytest.fixture
    def store(self, settings):
        table = StorageClients.from_settings(settings).tables.get_table_client(settings.models_table)
        TableModelRegistry(table)  # the same table as the model records
        return TableScheduleStore(table)
