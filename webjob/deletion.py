"""What deleting a model leaves for the worker to do: remove its blobs (so stopping a training of it), then its record."""
import logging

from azure.storage.blob import ContainerClient

from .lease import remove_lease_blob

logger = logging.getLogger(__name__)


def remove_model_blobs(store, container: ContainerClient, model_id: str) -> None:
    """Delete the model blob and the training lease blob; breaking the lease cancels a training of it."""
    remove_lease_blob(container, model_id)
    removed = store.delete(model_id)
    logger.info("model %s: blobs removed (model blob %s)", model_id, "deleted" if removed else "absent")


def remove_deleted_model(registry, store, container: ContainerClient, model_id: str) -> None:
    """Remove a deleted model's blobs, then its Deleting record: the record stays until no data is left."""
    remove_model_blobs(store, container, model_id)
    if registry.purge(model_id):
        logger.info("model %s: record removed", model_id)
