"""Model blobs: bytes in, bytes out, one blob per model in the models container."""
from typing import NamedTuple, Optional

from azure.core import MatchConditions
from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError
from azure.storage.blob import BlobClient, ContainerClient

from storage.clients import STORAGE_RETRIES, STORAGE_TIMEOUT_SECONDS

from .exceptions import ModelBlobNotFoundError, ModelChangedError, ModelCorruptError

MODEL_BLOB_NAME = "{model_id}/model.sar"
MAX_CONCURRENCY = 4
"""Parallel ranges when moving one large model blob."""


class ModelBlob(NamedTuple):
    """A model's stored bytes and the ETag of the version read (it changes whenever the blob is written)."""

    data: bytes
    etag: Optional[str]


class BlobModelStore:
    """Reads and writes serialized models in an injected ContainerClient."""

    def __init__(self, container: ContainerClient):
        self._container = container

    def save(self, model_id: str, blob: bytes) -> None:
        """Write (or overwrite) a model's blob."""
        self._client(model_id).upload_blob(blob, overwrite=True, max_concurrency=MAX_CONCURRENCY)

    def load(self, model_id: str, max_bytes: Optional[int] = None) -> ModelBlob:
        """A model's blob, refused before its download when larger than `max_bytes`.

        :raise ModelBlobNotFoundError: :raise ModelCorruptError: too large
        """
        try:
            download = self._client(model_id).download_blob(max_concurrency=MAX_CONCURRENCY)
        except ResourceNotFoundError:
            raise ModelBlobNotFoundError(f"model {model_id} has no blob") from None
        if max_bytes is not None and download.size > max_bytes:
            raise ModelCorruptError(f"model {model_id}'s blob of {download.size} bytes is over the limit of "
                                    f"{max_bytes} (MODEL_MAX_BLOB_BYTES)", download.properties.etag)
        return ModelBlob(download.readall(), download.properties.etag)

    def etag(self, model_id: str) -> Optional[str]:
        """The ETag of a model's blob (None when there is none): cheaper than a download to see it changed."""
        try:
            return self._client(model_id).get_blob_properties().etag
        except ResourceNotFoundError:
            return None

    def delete(self, model_id: str) -> bool:
        """Delete a model's blob; False when there was none."""
        try:
            self._client(model_id).delete_blob()
            return True
        except ResourceNotFoundError:
            return False

    def _client(self, model_id: str):
        return self._container.get_blob_client(MODEL_BLOB_NAME.format(model_id=model_id))


def read_blob_url(url: str, etag: Optional[str] = None) -> bytes:
    """A model's blob read with its URL alone (with a read-only SAS: what a Dask worker holds), in the version
    `etag` names when given. :raise ModelBlobNotFoundError: :raise ModelChangedError: written again since"""
    condition = {"etag": etag, "match_condition": MatchConditions.IfNotModified} if etag else {}
    try:
        with BlobClient.from_blob_url(url, connection_timeout=STORAGE_TIMEOUT_SECONDS,
                                      read_timeout=STORAGE_TIMEOUT_SECONDS, retry_total=STORAGE_RETRIES) as blob:
            return blob.download_blob(max_concurrency=MAX_CONCURRENCY, **condition).readall()
    except ResourceNotFoundError:
        raise ModelBlobNotFoundError("no model blob at the URL given") from None
    except ResourceModifiedError:
        raise ModelChangedError("the model blob was written again since it was read", etag) from None
