"""One contract, two registries: the in-memory fake must behave like the Azure Table adapter."""
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from registry import (
    ConcurrentUpdateError,
    InMemoryModelRegistry,
    InvalidContinuationTokenError,
    ModelNotFoundError,
    ModelRecord,
    ModelStatus,
    TableModelRegistry,
)
from storage.clients import StorageClients

NOW = datetime.now(timezone.utc)


def make_record(minutes_ago: int = 0) -> ModelRecord:
    return ModelRecord(id=str(uuid.uuid4()), description="a model",
                       creation_time=NOW - timedelta(minutes=minutes_ago),
                       status=ModelStatus.CREATED, status_message="created",
                       parameters={"supportThreshold": 6, "blobContainerName": "c"})


def all_pages(registry, page_size: int) -> list:
    """The ids of every page, following the continuation tokens."""
    pages, token = [], None
    while True:
        page = registry.list_page(page_size, token)
        pages.append([summary.id for summary in page.summaries])
        token = page.continuation_token
        if token is None:
            return pages


class RegistryContract:
    @pytest.fixture
    def registry(self):
        raise NotImplementedError

    def test_created_record_reads_back_equal(self, registry):
        record = registry.create(make_record())
        loaded = registry.get(record.id)
        assert (loaded.id, loaded.description, loaded.status, loaded.parameters) == \
            (record.id, "a model", ModelStatus.CREATED, record.parameters)
        assert loaded.creation_time == record.creation_time
        assert loaded.etag

    def test_lineage_and_promotion_policy_read_back(self, registry):
        parent = registry.create(make_record())
        child = registry.create(replace(make_record(), parent_model_id=parent.id,
                                        promotion_policy={"metric": "ndcgAt10", "tolerance": 0.01}))
        loaded = registry.get(child.id)
        assert (loaded.parent_model_id, loaded.promotion_policy) == (parent.id, {"metric": "ndcgAt10", "tolerance": 0.01})
        assert (registry.get(parent.id).parent_model_id, registry.get(parent.id).promotion_policy) == (None, None)
        updated = registry.update(loaded.with_status(ModelStatus.COMPLETED, "done"))
        assert registry.get(updated.id).parent_model_id == parent.id

    def test_unknown_model_is_not_found(self, registry):
        with pytest.raises(ModelNotFoundError):
            registry.get(str(uuid.uuid4()))
        with pytest.raises(ModelNotFoundError):
            registry.delete(str(uuid.uuid4()))

    def test_list_is_newest_first_with_summaries(self, registry):
        old, new = registry.create(make_record(minutes_ago=5)), registry.create(make_record())
        registry.update(new.with_status(ModelStatus.COMPLETED, "done", {"numberOfUsers": 3}))
        page = registry.list_page(10)
        assert [summary.id for summary in page.summaries] == [new.id, old.id]
        assert page.continuation_token is None
        assert page.summaries[0] == registry.get(new.id).summary()
        assert (page.summaries[0].status, page.summaries[0].creation_time) == (ModelStatus.COMPLETED, NOW)

    def test_empty_registry_lists_one_empty_page(self, registry):
        page = registry.list_page(3)
        assert (page.summaries, page.continuation_token) == ([], None)

    def test_pages_follow_the_continuation_token(self, registry):
        ids = [registry.create(make_record(minutes_ago=minutes)).id for minutes in range(5)]  # newest first
        assert all_pages(registry, 2) == [ids[0:2], ids[2:4], ids[4:5]]
        assert all_pages(registry, 5) == [ids]  # exactly a page: no empty page after it

    def test_same_creation_time_is_ordered_by_id(self, registry):
        same = sorted((registry.create(make_record(minutes_ago=1)).id for _ in range(3)), reverse=True)
        assert all_pages(registry, 1) == [[model_id] for model_id in same]

    def test_pages_stay_stable_while_models_come_and_go(self, registry):
        ids = [registry.create(make_record(minutes_ago=minutes + 1)).id for minutes in range(4)]
        first = registry.list_page(2)
        registry.create(make_record())  # newer than every listed model: belongs on the first page, not a later one
        registry.delete(ids[1])  # the model the token names
        second = registry.list_page(2, first.continuation_token)
        assert [summary.id for summary in second.summaries] == ids[2:4]
        assert second.continuation_token is None

    @pytest.mark.parametrize("token", ["garbage!", "bm90IGpzb24", "WzEsIDJd", "WyIyMDI0LTAxLTAxVDAwOjAwOjAwIiwgIngiXQ"])
    def test_a_foreign_continuation_token_is_refused(self, registry, token):
        # not base64; base64 of "not json"; of [1, 2]; of a naive time ["2024-01-01T00:00:00", "x"]
        with pytest.raises(InvalidContinuationTokenError):
            registry.list_page(2, token)

    def test_update_keeps_statistics_and_changes_etag(self, registry):
        record = registry.create(make_record())
        updated = registry.update(record.with_status(ModelStatus.COMPLETED, "done", {"numberOfUsers": 3}))
        assert updated.etag != record.etag
        loaded = registry.get(record.id)
        assert (loaded.status, loaded.status_message, loaded.statistics) == (ModelStatus.COMPLETED, "done", {"numberOfUsers": 3})

    def test_conditional_update_loses_to_an_earlier_writer(self, registry):
        record = registry.create(make_record())
        registry.update(record.with_status(ModelStatus.IN_PROGRESS, "worker one"), if_unchanged=True)
        with pytest.raises(ConcurrentUpdateError):
            registry.update(record.with_status(ModelStatus.IN_PROGRESS, "worker two"), if_unchanged=True)
        assert registry.get(record.id).status_message == "worker one"

    def test_update_of_a_deleted_model_is_not_found(self, registry):
        record = registry.create(make_record())
        registry.delete(record.id)
        with pytest.raises(ModelNotFoundError):
            registry.update(record.with_status(ModelStatus.IN_PROGRESS, "late"))

    def test_first_default_wins_and_delete_clears_it(self, registry):
        first, second = registry.create(make_record()), registry.create(make_record())
        assert registry.get_default_id() is None
        assert registry.set_default_if_none(first.id) is True
        assert registry.set_default_if_none(second.id) is False
        assert registry.get_default_id() == first.id
        registry.delete(first.id)
        assert registry.get_default_id() is None
        registry.set_default_id(second.id)
        assert registry.get_default_id() == second.id

    def test_a_deleted_model_is_hidden_until_purged(self, registry):
        kept, deleted = registry.create(make_record(minutes_ago=1)), registry.create(make_record())
        assert registry.purge(deleted.id) is False  # only a Deleting record is purged
        registry.delete(deleted.id)
        with pytest.raises(ModelNotFoundError):
            registry.get(deleted.id)
        with pytest.raises(ModelNotFoundError):
            registry.delete(deleted.id)
        assert all_pages(registry, 10) == [[kept.id]]
        statuses = {record.id: record.status for record in registry.all_records()}
        assert statuses == {kept.id: ModelStatus.CREATED, deleted.id: ModelStatus.DELETING}
        assert all(record.updated_time is not None for record in registry.all_records())
        assert registry.purge(deleted.id) is True
        assert [record.id for record in registry.all_records()] == [kept.id]

    def test_a_deleted_model_cannot_become_the_default(self, registry):
        record = registry.create(make_record())
        registry.delete(record.id)
        with pytest.raises(ModelNotFoundError):
            registry.set_default_id(record.id)
        assert registry.set_default_if_none(record.id) is False
        assert registry.get_default_id() is None


class TestInMemoryRegistry(RegistryContract):
    @pytest.fixture
    def registry(self):
        return InMemoryModelRegistry()


class TestTableRegistry(RegistryContract):
    @pytest.fixture
    def registry(self, settings):
        storage = StorageClients.from_settings(settings)
        return TableModelRegistry(storage.tables.get_table_client(settings.models_table))
