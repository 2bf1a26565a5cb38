"""Where a Dask worker reads a usage partition from: one blob, downloaded by the worker itself."""
from dataclasses import dataclass

from config.secret import Secret


@dataclass(frozen=True)
class BlobFiles:
    """Usage blobs of one container, in the order they are read (name order), with their sizes.

    What travels to the workers inside the task is the container's URL with a short-lived read-only SAS
    (a Secret: its repr is masked), never an account key or token: each worker downloads its own blobs,
    nothing passes through the caller's memory, and a leaked task can read these blobs for a few hours at most.
    """

    container_url: Secret
    names: tuple
    sizes: tuple

    @classmethod
    def of(cls, container_url: Secret, container_client, names) -> "BlobFiles":
        """The named blobs of a container, their sizes read with the caller's own client of it."""
        sizes = [container_client.get_blob_client(name).get_blob_properties().size for name in names]
        return cls(container_url, tuple(names), tuple(sizes))

    @property
    def total_bytes(self) -> int:
        """The size of all the blobs together."""
        return sum(self.sizes)

    def read(self, name: str) -> bytearray:
        """A blob's bytes, written in place into one buffer of its size (readall would hold two copies)."""
        # The Azure SDK is imported here, on the worker that reads: training from tables in memory
        # (bench/parity.py, in a venv without the SDK) never needs it.
        from azure.storage.blob import ContainerClient

        from storage.clients import STORAGE_RETRIES, STORAGE_TIMEOUT_SECONDS
        from storage.usage_blobs import download_blob_bytes

        container = ContainerClient.from_container_url(
            str(self.container_url), connection_timeout=STORAGE_TIMEOUT_SECONDS,
            read_timeout=STORAGE_TIMEOUT_SECONDS, retry_total=STORAGE_RETRIES)
        with container:
            return download_blob_bytes(container, name)
