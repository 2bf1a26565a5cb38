"""What deleting a model leaves for the worker to do: remove its blobs, and so stop a training of it."""
import logging

from azure.storage.blob import ContainerClient

from .lease import remove_lease_blob

logger = logging.getLogger(__name__)


def remove_model_blobs(store, container: ContainerClient, model_id: str) -> None:
    """Delete the model blob and the training lease blob; breaking the lease cancels a training of it."""
    remove_lease_blob(container, model_id)
    removed = store.delete(model_id)
    logger.info("model %s: blobs removed (model blob %s)", model_id, "deleted" if removed else "absent")
