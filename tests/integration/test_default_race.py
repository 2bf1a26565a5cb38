"""PUT /api/models/default racing DELETE of the same model (issue 19): the default ends on an existing
Completed model or on none, never on a deleted one; and a default whose model is gone gives way to the next
model that completes."""
import threading
import uuid
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from api_keys import ADMIN_KEY

from model_provider import BlobModelStore, CacheLimits, ModelProvider
from registry import ModelRecord, ModelStatus, TableModelRegistry
from storage.queues import ModelQueues
from webapp import create_app

RACES = 50


@pytest.fixture
def registry(storage, settings):
    return TableModelRegistry(storage.tables.get_table_client(settings.models_table))


@pytest.fixture
def app(settings, storage, registry):
    provider = ModelProvider(BlobModelStore(storage.blobs.get_container_client(settings.models_container)),
                             CacheLimits.from_settings(settings))
    return create_app(settings, registry=registry, provider=provider, queues=ModelQueues(storage.queues, settings),
                      usage_locator=lambda container, path: [])


def completed_model(registry) -> str:
    record = ModelRecord(id=str(uuid.uuid4()), description=None, creation_time=datetime.now(timezone.utc),
                         status=ModelStatus.COMPLETED, status_message="done", parameters={})
    return registry.create(record).id


def race(app, model_id: str) -> tuple:
    """PUT default and DELETE of one model, released together; their status codes."""
    start, codes = threading.Barrier(2), {}
    headers = {"x-api-key": ADMIN_KEY}

    def put_default():
        client = app.test_client()
        start.wait()
        codes["put"] = client.put(f"/api/models/default?modelId={model_id}", headers=headers).status_code

    def delete():
        client = app.test_client()
        start.wait()
        codes["delete"] = client.delete(f"/api/models/{model_id}", headers=headers).status_code

    threads = [threading.Thread(target=put_default), threading.Thread(target=delete)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return codes["put"], codes["delete"]


def test_set_default_racing_delete_never_leaves_a_deleted_default(app, registry):
    for _ in range(RACES):
        model_id = completed_model(registry)
        put, delete = race(app, model_id)
        assert delete == 202 and put in (200, 404), (put, delete)
        default = registry.get_default_id()
        assert default is None, f"the default points to the deleted model {default}"
    # The next model to complete becomes the default (what the worker does on completion).
    survivor = completed_model(registry)
    assert registry.set_default_if_none(survivor) is True
    assert app.test_client().get("/api/models/default", headers={"x-api-key": ADMIN_KEY}).json["id"] == survivor


def test_a_default_left_on_a_gone_model_gives_way_to_the_next_completed_model(registry, settings, storage):
    gone, next_model = completed_model(registry), completed_model(registry)
    table = storage.tables.get_table_client(settings.models_table)
    registry.set_default_id(gone)
    table.delete_entity("model", gone)  # a default left behind (by a writer older than the conditional writes)
    assert registry.set_default_if_none(next_model) is True
    assert registry.get_default_id() == next_model
    assert registry.set_default_if_none(completed_model(registry)) is False  # an existing default stands
    registry.update(replace(registry.get(next_model), status_message="still there"))
    assert registry.get_default_id() == next_model
