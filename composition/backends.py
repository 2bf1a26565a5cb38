"""Settings in, backends out: the model registry, the model store, the queues and the usage locator.

The web app, the worker and the ops server get them here, so a new backend (another registry, another store)
or one more client option is a change to this module alone.
"""
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from typing import Callable

from azure.core.exceptions import ResourceNotFoundError

from config.settings import Settings
from model_provider import BlobModelStore
from observability.metrics import StorageGauges
from observability.probes import quick_clients
from registry import ModelStatus, TableJobRegistry, TableModelRegistry, TableScheduleStore
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
    schedules: TableScheduleStore
    jobs: TableJobRegistry

    def ensure_resources(self, settings: Settings) -> None:
        """Create the table, queues and models container if missing."""
        self.clients.ensure_resources(settings)


def build_backends(settings: Settings) -> Backends:
    """The backends of the storage account the settings name; builds clients only, calls nothing."""
    clients = StorageClients.from_settings(settings)
    models_table = clients.tables.get_table_client(settings.models_table)

    def usage_locator(container: str, path: str) -> list:
        return list_usage_blobs(clients.blobs.get_container_client(container), path)

    return Backends(
        clients=clients,
        registry=TableModelRegistry(models_table),
        store=BlobModelStore(clients.blobs.get_container_client(settings.models_container)),
        queues=ModelQueues(clients.queues, settings),
        usage_locator=usage_locator,
        schedules=TableScheduleStore(models_table),
        jobs=TableJobRegistry(models_table),
    )


def build_storage_gauges(settings: Settings, *, count_models: bool = True) -> StorageGauges:
    """Queue depths and the age of each queue's oldest message for an ops port, read with the probes' quick
    clients; with count_models (the web app's), models by status too (the worker's port leaves them out)."""
    clients = quick_clients(settings)
    registry = TableModelRegistry(clients.tables.get_table_client(settings.models_table))
    queues = {name: clients.queues.get_queue_client(name) for name in (
        settings.train_queue, settings.delete_queue, settings.batch_queue, settings.train_poison_queue,
        settings.delete_poison_queue, settings.batch_poison_queue)}

    def queue_depths() -> dict:
        return {name: _depth_and_oldest_age(queue) for name, queue in queues.items()}

    return StorageGauges(partial(count_models_by_status, registry) if count_models else None, queue_depths)


def count_models_by_status(registry) -> dict:
    """{status: number of models} of a ModelRegistry, read page by page (every status present, maybe at 0)."""
    counts = {status.value: 0 for status in ModelStatus if status != ModelStatus.DELETING}  # listings hide it
    token = None
    while True:
        page = registry.list_page(MODEL_COUNT_PAGE, token)
        for summary in page.summaries:
            counts[summary.status.value] += 1
        token = page.continuation_token
        if not token:
            return counts


def _depth_and_oldest_age(queue) -> tuple:
    """(approximate message count, seconds since the oldest visible message was queued, or None): a peek,
    which neither hides nor counts as a delivery."""
    try:
        count = queue.get_queue_properties().approximate_message_count
        peeked = queue.peek_messages(max_messages=1) if count else []
    except ResourceNotFoundError:
        return 0, None  # a poison queue no worker has made yet
    oldest = peeked[0].inserted_on if peeked else None
    return count, None if oldest is None else max(0.0, (datetime.now(timezone.utc) - oldest).total_seconds())
