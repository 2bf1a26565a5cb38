"""Settings in, backends out: the model registry, the model store, the queues and the usage locator.

The web app, the worker and the ops server get them here, so a new backend (another registry, another store)
or one more client option is a change to this module alone.
"""
from dataclasses import dataclass
from typing import Callable

from azure.core.exceptions import ResourceNotFoundError

from config.settings import Settings
from model_provider import BlobModelStore
from observability.metrics import StorageGauges
from observability.probes import quick_clients
from registry import ModelStatus, TableJobRegistry, TableModelRegistry
from storage.clients import StorageClients
from storage.queues import ModelQueues
from storage.usage_blobs import list_usage_blobs

MODEL_COUNT_PAGE = 1000
"""Records read per registry page when the ops port counts models by status."""


@dataclass(frozen=True)
class Backends:
    """What both entry points work with; `clients` for the worker's own queue and lease calls."""

    clients: StorageClients
    registry: TableModelRegistry
    store: BlobModelStore
    queues: ModelQueues
    usage_locator: Callable[[str, str], list]
    jobs: TableJobRegistry

    def ensure_resources(self, settings: Settings) -> None:
        """Create the table, queues and models container if missing."""
        self.clients.ensure_resources(settings)


def build_backends(settings: Settings) -> Backends:
    """The backends of the storage account the settings name; builds clients only, calls nothing."""
    clients = StorageClients.from_settings(settings)

    def usage_locator(container: str, path: str) -> list:
        return list_usage_blobs(clients.blobs.get_container_client(container), path)

    return Backends(
        clients=clients,
        registry=TableModelRegistry(clients.tables.get_table_client(settings.models_table)),
        store=BlobModelStore(clients.blobs.get_container_client(settings.models_container)),
        queues=ModelQueues(clients.queues, settings),
        usage_locator=usage_locator,
        jobs=TableJobRegistry(clients.tables.get_table_client(settings.models_table)),
    )


def build_storage_gauges(settings: Settings) -> StorageGauges:
    """Models by status and queue depths for the ops port, read with the probes' quick clients."""
    clients = quick_clients(settings)
    registry = TableModelRegistry(clients.tables.get_table_client(settings.models_table))
    queues = {name: clients.queues.get_queue_client(name) for name in (
        settings.train_queue, settings.delete_queue, settings.train_poison_queue, settings.delete_poison_queue)}

    def count_models() -> dict:
        counts = {status.value: 0 for status in ModelStatus}
        token = None
        while True:
            page = registry.list_page(MODEL_COUNT_PAGE, token)
            for summary in page.summaries:
                counts[summary.status.value] += 1
            token = page.continuation_token
            if not token:
                return counts

    def queue_depths() -> dict:
        depths = {}
        for name, queue in queues.items():
            try:
                depths[name] = queue.get_queue_properties().approximate_message_count
            except ResourceNotFoundError:
                depths[name] = 0  # a poison queue no worker has made yet
        return depths

    return StorageGauges(count_models, queue_depths)
