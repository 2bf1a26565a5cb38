"""A model's training lease: a blob lease that marks which message's training owns the model right now.

The lease id is derived from the queue message id, so a worker that receives the same message again (the
previous holder died and the message became visible) takes the lease over at once, while a worker that
receives a different message for the same model (a duplicate) finds the lease held and drops it.
"""
import uuid

from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import BlobLeaseClient, ContainerClient

from storage.retries import NO_SDK_RETRIES

from .exceptions import LeaseLostError

LEASE_BLOB_NAME = "{model_id}/training.lease"
LEASE_SECONDS = 60
"""The longest finite blob lease Azure grants; the heartbeat renews it far more often."""
_LEASE_NAMESPACE = uuid.UUID("6f1d9a3e-5c1b-4f0e-9a57-1f2b8c3d4e5f")


def lease_id_for(message_id: str) -> str:
    """The lease id of a message: a GUID (as Azure requires) that depends only on the message id."""
    return str(uuid.uuid5(_LEASE_NAMESPACE, message_id))


class TrainingLease:
    """The lease on `{model_id}/training.lease` in the models container, for one message."""

    def __init__(self, container: ContainerClient, model_id: str, message_id: str):
        self._blob = container.get_blob_client(LEASE_BLOB_NAME.format(model_id=model_id))
        self._lease = BlobLeaseClient(self._blob, lease_id=lease_id_for(message_id))

    def acquire(self) -> bool:
        """Take the lease; False when another message's training holds it."""
        try:
            self._blob.upload_blob(b"", overwrite=False, **NO_SDK_RETRIES)
        except ResourceExistsError:
            pass  # created by an earlier training of this model; maybe leased right now
        try:
            self._lease.acquire(lease_duration=LEASE_SECONDS, **NO_SDK_RETRIES)
            return True
        except ResourceExistsError as error:
            if error.error_code == "LeaseAlreadyPresent":
                return False
            raise

    def renew(self) -> None:
        """Keep the lease. :raise LeaseLostError: broken, deleted, or taken by another message's training"""
        try:
            self._lease.renew(**NO_SDK_RETRIES)
        except (ResourceNotFoundError, ResourceExistsError) as error:
            raise LeaseLostError(f"training lease lost ({error.error_code})") from error

    def release(self) -> None:
        """Give the lease up (nothing to do when it is gone already)."""
        try:
            self._lease.release(**NO_SDK_RETRIES)
        except (ResourceNotFoundError, ResourceExistsError):
            pass


def remove_lease_blob(container: ContainerClient, model_id: str) -> None:
    """Break a model's training lease and delete its blob: a training still holding it loses the lease."""
    blob = container.get_blob_client(LEASE_BLOB_NAME.format(model_id=model_id))
    try:
        BlobLeaseClient(blob).break_lease(lease_break_period=0, **NO_SDK_RETRIES)
    except ResourceNotFoundError:
        return
    except HttpResponseError as error:
        if error.error_code != "LeaseNotPresentWithLeaseOperation":
            raise
    try:
        blob.delete_blob(**NO_SDK_RETRIES)
    except ResourceNotFoundError:
        pass
