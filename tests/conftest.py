"""Shared fixtures: one Azurite per test session, and storage names of their own per test."""
import uuid

import pytest
from api_keys import KEYS
from azure.core.exceptions import ResourceNotFoundError

from config.settings import Settings
from devtools.azurite import Azurite
from storage.clients import StorageClients


@pytest.fixture(scope="session")
def azurite():
    """A private Azurite on free ports, for the whole session."""
    with Azurite() as instance:
        yield instance


@pytest.fixture
def storage_names():
    """Table, queue and container names no other test uses."""
    suffix = uuid.uuid4().hex[:10]
    return {"models_table": f"models{suffix}", "models_container": f"models-{suffix}",
            "train_queue": f"train-{suffix}", "delete_queue": f"delete-{suffix}", "batch_queue": f"batch-{suffix}"}


@pytest.fixture
def settings(azurite, storage_names):
    """Settings on the session's Azurite with this test's own resources, created."""
    environ = {"AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string, "QUEUE_POLL_SECONDS": "0.05",
               **{name.upper(): value for name, value in {**KEYS, **storage_names}.items()}}
    settings = Settings.from_environ(environ)
    StorageClients.from_settings(settings).ensure_resources(settings)
    yield settings
    _remove_resources(settings)


@pytest.fixture
def storage(settings):
    """StorageClients for the test's settings."""
    return StorageClients.from_settings(settings)


@pytest.fixture
def usage_container(storage):
    """A blob container for the test's usage files, removed afterwards."""
    container = storage.blobs.create_container(f"usage-{uuid.uuid4().hex[:12]}")
    yield container
    container.delete_container()


def _remove_resources(settings):
    storage = StorageClients.from_settings(settings)
    storage.tables.delete_table(settings.models_table)
    for queue in (settings.train_queue, settings.delete_queue, settings.batch_queue):
        storage.queues.delete_queue(queue)
    for queue in (settings.train_poison_queue, settings.delete_poison_queue,
                  settings.batch_poison_queue):  # made by workers, if any
        try:
            storage.queues.delete_queue(queue)
        except ResourceNotFoundError:
            pass
    storage.blobs.delete_container(settings.models_container)


@pytest.fixture(scope="session")
def dask_client():
    """A client of one Dask LocalCluster (tests/distributed) shared by the tests that leave its workers alive.

    Here and not in tests/distributed/conftest.py: a second conftest module would shadow this one for
    the tests that import KEYS from it.
    """
    import distributed
    from cluster_data import local_cluster

    with local_cluster() as cluster, distributed.Client(cluster, set_as_default=False) as client:
        yield client
