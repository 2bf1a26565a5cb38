"""Builds the Azure Storage clients of both entry points: from a connection string (Azurite, an account key)
or from the account's name and a token credential (a managed identity on Azure)."""
import functools
import logging
from dataclasses import dataclass
from typing import Optional

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
        """The service's clients: SDK retries with short waits, large blob chunks."""
        options = {"connection_timeout": STORAGE_TIMEOUT_SECONDS, "read_timeout": STORAGE_TIMEOUT_SECONDS,
                   "retry_total": STORAGE_RETRIES}
        backoff = {"initial_backoff": RETRY_INITIAL_BACKOFF_SECONDS, "increment_base": RETRY_INCREMENT_BASE,
                   "retry_total": STORAGE_RETRIES}
        return cls.connect(settings, options,
                           blob_options={"retry_policy": BlobRetry(**backoff), "max_chunk_get_size": BLOB_CHUNK_BYTES,
                                         "max_single_get_size": BLOB_CHUNK_BYTES},
                           queue_options={"retry_policy": QueueRetry(**backoff)})

    @classmethod
    def connect(cls, settings: Settings, options: dict, *, blob_options: Optional[dict] = None,
                queue_options: Optional[dict] = None) -> "StorageClients":
        """Clients of the settings' account, with the options given; the one place that chooses how to sign in.

        AZURE_STORAGE_CONNECTION_STRING: its key (Azurite, local runs). AZURE_STORAGE_ACCOUNT_NAME: the account's
        endpoints with DefaultAzureCredential, so no storage key lives in the service on Azure.
        """
        blob_options, queue_options = {**options, **(blob_options or {})}, {**options, **(queue_options or {})}
        if settings.azure_storage_connection_string:
            connection = str(settings.azure_storage_connection_string)
            return cls(blobs=BlobServiceClient.from_connection_string(connection, **blob_options),
                       tables=TableServiceClient.from_connection_string(connection, **options),
                       queues=QueueServiceClient.from_connection_string(connection, **queue_options))
        credential = default_credential(settings.azure_client_id)
        return cls(blobs=BlobServiceClient(account_url(settings, "blob"), credential=credential, **blob_options),
                   tables=TableServiceClient(account_url(settings, "table"), credential=credential, **options),
                   queues=QueueServiceClient(account_url(settings, "queue"), credential=credential, **queue_options))

    def ensure_resources(self, settings: Settings):
        """Create the table, queues and container the service needs, if missing."""
        self.tables.create_table_if_not_exists(settings.models_table)
        for queue in (settings.train_queue, settings.delete_queue, settings.batch_queue):
            _create_if_missing(self.queues.create_queue, queue)
        _create_if_missing(self.blobs.create_container, settings.models_container)


def account_url(settings: Settings, service: str) -> str:
    """The HTTPS endpoint of one service ("blob", "table", "queue") of AZURE_STORAGE_ACCOUNT_NAME."""
    return f"https://{settings.azure_storage_account_name}.{service}.{settings.azure_storage_endpoint_suffix}"


@functools.lru_cache(maxsize=None)
def default_credential(managed_identity_client_id: Optional[str]):
    """One DefaultAzureCredential per process and identity: its token cache is then shared by every client.

    Building it calls nothing; the first storage call fetches a token (from the managed identity on Azure).
    """
    from azure.identity import DefaultAzureCredential  # its import is slow, and Azurite runs never need it

    return DefaultAzureCredential(managed_identity_client_id=managed_identity_client_id)


def _create_if_missing(create, name):
    try:
        create(name)
        logger.info("created %s", name)
    except ResourceExistsError:
        pass
