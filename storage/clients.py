"""Builds the Azure Storage clients of both entry points from one connection string."""
import logging
from dataclasses import dataclass

from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient
from azure.storage.blob import ExponentialRetry as BlobRetry
from azure.storage.queue import ExponentialRetry as QueueRetry
from azure.storage.queue import QueueServiceClient

from config.settings import Settings

logger = logging.getLogger(__name__)

STORAGE_TIMEOUT_SECONDS = 20
"""Connection and read timeout of every storage call, so a dead endpoint cannot hang a request."""

STORAGE_RETRIES = 3
"""Retries of the SDK's own retry policy for transient storage errors."""
RETRY_INITIAL_BACKOFF_SECONDS = 1
RETRY_INCREMENT_BASE = 2
"""Waits of about 1, 3 and 5 s (plus jitter). The blob and queue SDKs' defaults (15 s, then 18, 24)
hold one call for about 85 s while storage is down: a web request would hang that long."""


BLOB_CHUNK_BYTES = 32 * 2**20
"""Size of each ranged GET of a large blob (the SDK's 4 MiB makes Azurite slower by a third on a model)."""


@dataclass(frozen=True)
class StorageClients:
    """The three service clients; cheap to share across threads."""

    blobs: BlobServiceClient
    tables: TableServiceClient
    queues: QueueServiceClient

    @classmethod
    def from_settings(cls, settings: Settings) -> "StorageClients":
        """Clients for the account of AZURE_STORAGE_CONNECTION_STRING."""
        connection = str(settings.azure_storage_connection_string)
        options = {"connection_timeout": STORAGE_TIMEOUT_SECONDS, "read_timeout": STORAGE_TIMEOUT_SECONDS,
                   "retry_total": STORAGE_RETRIES}
        backoff = {"initial_backoff": RETRY_INITIAL_BACKOFF_SECONDS, "increment_base": RETRY_INCREMENT_BASE,
                   "retry_total": STORAGE_RETRIES}
        return cls(
            blobs=BlobServiceClient.from_connection_string(
                connection, retry_policy=BlobRetry(**backoff), max_chunk_get_size=BLOB_CHUNK_BYTES,
                max_single_get_size=BLOB_CHUNK_BYTES, **options),
            tables=TableServiceClient.from_connection_string(connection, **options),
            queues=QueueServiceClient.from_connection_string(connection, retry_policy=QueueRetry(**backoff), **options),
        )

    def ensure_resources(self, settings: Settings):
        """Create the table, queues and container the service needs, if missing."""
        self.tables.create_table_if_not_exists(settings.models_table)
        for queue in (settings.train_queue, settings.delete_queue, settings.batch_queue):
            _create_if_missing(self.queues.create_queue, queue)
        _create_if_missing(self.blobs.create_container, settings.models_container)


def _create_if_missing(create, name):
    try:
        create(name)
        logger.info("created %s", name)
    except ResourceExistsError:
        pass
