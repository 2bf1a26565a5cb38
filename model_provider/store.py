"""Model blobs: bytes in, bytes out, one blob per model in the models container."""
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import ContainerClient

from .exceptions import ModelBlobNotFoundError

MODEL_BLOB_NAME = "{model_id}/model.sar"
MAX_CONCURRENCY = 4
"""Parallel ranges when moving one large model blob."""


class BlobModelStore:
    """Reads and writes serialized models in an injected ContainerClient."""

    def __init__(self, container: ContainerClient):
        self._container = container

    def save(self, model_id: str, blob: bytes) -> None:
        """Write (or overwrite) a model's blob."""
        self._client(model_id).upload_blob(blob, overwrite=True, max_concurrency=MAX_CONCURRENCY)

    def load(self, model_id: str) -> bytes:
        """A model's blob. :raise ModelBlobNotFoundError:"""
        try:
            return self._client(model_id).download_blob(max_concurrency=MAX_CONCURRENCY).readall()
        except ResourceNotFoundError:
            raise ModelBlobNotFoundError(f"model {model_id} has no blob") from None

    def delete(self, model_id: str) -> bool:
        """Delete a model's blob; False when there was none."""
        try:
            self._client(model_id).delete_blob()
            return True
        except ResourceNotFoundError:
            return False

    def _client(self, model_id: str):
        return self._container.get_blob_client(MODEL_BLOB_NAME.format(model_id=model_id))
