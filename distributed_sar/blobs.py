"""Where a Dask worker reads a usage partition from: one blob, downloaded by the worker itself."""
from dataclasses import dataclass

from config.secret import Secret


@dataclass(frozen=True)
class BlobFiles:
    """Usage blobs of one container, in the order they are read (name order), with their sizes.

    The connection string travels to the workers inside the task (as a Secret: its repr is masked),
    so that each worker downloads its own blobs and nothing passes through the caller's memory.
    """

    connection_string: Secret
    container: str
    names: tuple
    sizes: tuple

    @classmethod
    def of(cls, connection_string: Secret, container_client, names) -> "BlobFiles":
        """The named blobs of a container, their sizes read from storage."""
        sizes = [container_client.get_blob_client(name).get_blob_properties().size for name in names]
        return cls(connection_string, container_client.container_name, tuple(names), tuple(sizes))

    @property
    def total_bytes(self) -> int:
        """The size of all the blobs together."""
        return sum(self.sizes)

    def read(self, name: str) -> bytearray:
        """A blob's bytes, written in place into one buffer of its size (readall would hold two copies)."""
        # The Azure SDK is imported here, on the worker that reads: training from tables in memory
        # (bench/parity.py, in a venv without the SDK) never needs it.
        from azure.storage.blob import BlobServiceClient

        from storage.clients import STORAGE_RETRIES, STORAGE_TIMEOUT_SECONDS
        from storage.usage_blobs import download_blob_bytes

        service = BlobServiceClient.from_connection_string(
            str(self.connection_string), connection_timeout=STORAGE_TIMEOUT_SECONDS,
            read_timeout=STORAGE_TIMEOUT_SECONDS, retry_total=STORAGE_RETRIES)
        with service:
            return download_blob_bytes(service.get_container_client(self.container), name)
