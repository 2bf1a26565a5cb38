"""One contract, two registries: the in-memory fake must behave like the Azure Table adapter."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from common.storage import StorageClients
from registry import (ConcurrentUpdateError, InMemoryModelRegistry, ModelNotFoundError, ModelRecord, ModelStatus,
                      TableModelRegistry)


def make_record(minutes_ago: int = 0) -> ModelRecord:
    return ModelRecord(id=str(uuid.uuid4()), description="a model",
                       creation_time=datetime.now(timezone.utc) - timedelta(minutes=minutes_ago),
                       status=ModelStatus.CREATED, status_message="created",
                       parameters={"supportThreshold": 6, "blobContainerName": "c"})


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

    def test_unknown_model_is_not_found(self, registry):
        with pytest.raises(ModelNotFoundError):
            registry.get(str(uuid.uuid4()))
        with pytest.raises(ModelNotFoundError):
            registry.delete(str(uuid.uuid4()))

    def test_list_is_newest_first(self, registry):
        old, new = registry.create(make_record(minutes_ago=5)), registry.create(make_record())
        assert [record.id for record in registry.list()] == [new.id, old.id]

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


class TestInMemoryRegistry(RegistryContract):
    @pytest.fixture
    def registry(self):
        return InMemoryModelRegistry()


class TestTableRegistry(RegistryContract):
    @pytest.fixture
    def registry(self, settings):
        storage = StorageClients.from_settings(settings)
        return TableModelRegistry(storage.tables.get_table_client(settings.models_table))
