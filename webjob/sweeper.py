"""The periodic sweep: what lost its message or its record is found and finished (issue 19).

A delete whose message was never sent leaves a Deleting record (and the model's blobs, personal data); a
create whose message was lost leaves a model Created for ever; a worker that lost a training's message
leaves it InProgress. The sweep sends those messages again and removes model blobs that have no record.
One worker sweeps at a time: it holds the lease of a blob that also records when the last sweep ran.
"""
import logging
import time
import uuid
from datetime import datetime, timedelta, timezone

from azure.core.exceptions import ResourceExistsError
from azure.storage.blob import BlobLeaseClient, ContainerClient

from registry import ConcurrentUpdateError, ModelNotFoundError, ModelStatus
from storage.retries import NO_SDK_RETRIES

from .deletion import remove_model_blobs
from .lease import LEASE_BLOB_NAME, LEASE_SECONDS

logger = logging.getLogger(__name__)

SWEEP_BLOB_NAME = "sweeper.lease"
SWEPT_AT = "sweptat"
"""Blob metadata of the sweep blob: when the last sweep (by any worker) ended."""
RESEND_ROLES = {ModelStatus.CREATED: "train", ModelStatus.IN_PROGRESS: "train", ModelStatus.DELETING: "delete"}


class Sweeper:
    """sweep_if_due() from the worker's loop; `send` maps "train" and "delete" to callables taking a model id."""

    def __init__(self, settings, registry, store, container: ContainerClient, send: dict,
                 clock=lambda: datetime.now(timezone.utc)):
        self._registry, self._store, self._container, self._send = registry, store, container, send
        self._interval = settings.sweep_interval_seconds
        self._stale = timedelta(seconds=settings.stale_message_seconds)
        self._clock = clock
        self._next_sweep = time.monotonic()

    def sweep_if_due(self) -> bool:
        """Sweep when this worker's interval is over and no worker swept within it; True if it swept."""
        if time.monotonic() < self._next_sweep:
            return False
        self._next_sweep = time.monotonic() + self._interval
        blob = self._container.get_blob_client(SWEEP_BLOB_NAME)
        lease = _take_lease(blob)
        if lease is None:
            return False  # another worker is sweeping
        try:
            swept_at = blob.get_blob_properties(**NO_SDK_RETRIES).metadata.get(SWEPT_AT)
            if swept_at and self._clock() - datetime.fromisoformat(swept_at) < timedelta(seconds=self._interval):
                return False
            self.sweep()
            blob.set_blob_metadata({SWEPT_AT: self._clock().isoformat()}, lease=lease, **NO_SDK_RETRIES)
            return True
        finally:
            lease.release(**NO_SDK_RETRIES)

    def sweep(self) -> None:
        """Remove model blobs with no record; send again the messages of models that lost theirs."""
        blob_models = self._models_with_blobs()  # listed before the records: a blob's record is older than it
        records = {record.id: record for record in self._registry.all_records()}
        for model_id in blob_models - records.keys():
            logger.warning("model %s: removing blobs that no record owns", model_id)
            remove_model_blobs(self._store, self._container, model_id)
        stale_before = self._clock() - self._stale
        for record in records.values():
            role = RESEND_ROLES.get(record.status)
            if role is None or record.updated_time is None or record.updated_time > stale_before:
                continue
            if record.status == ModelStatus.IN_PROGRESS and self._training_lease_held(record.id):
                continue  # a worker is training it (a long step that writes no progress)
            self._resend(record, role)

    def _resend(self, record, role: str) -> None:
        try:  # rewritten as it is, on its etag: one resend per STALE_MESSAGE_SECONDS, by one sweeper
            self._registry.update(record, if_unchanged=True)
        except (ConcurrentUpdateError, ModelNotFoundError):
            return  # it moved on meanwhile: not stale
        logger.warning("model %s: %s for %s with no progress; sending its %s message again", record.id,
                       record.status.value, self._stale, role)
        self._send[role](record.id)

    def _models_with_blobs(self) -> set:
        models = set()
        for name in self._container.list_blob_names(**NO_SDK_RETRIES):
            head = name.split("/", 1)[0]
            try:
                models.add(str(uuid.UUID(head)))
            except ValueError:
                continue  # not a model's blob (the sweep blob)
        return models

    def _training_lease_held(self, model_id: str) -> bool:
        blob = self._container.get_blob_client(LEASE_BLOB_NAME.format(model_id=model_id))
        if not blob.exists(**NO_SDK_RETRIES):
            return False
        return blob.get_blob_properties(**NO_SDK_RETRIES).lease.state == "leased"


def _take_lease(blob):
    """The sweep blob's lease, or None when another worker holds it."""
    try:
        blob.upload_blob(b"", overwrite=False, **NO_SDK_RETRIES)
    except ResourceExistsError:
        pass
    lease = BlobLeaseClient(blob)
    try:
        lease.acquire(lease_duration=LEASE_SECONDS, **NO_SDK_RETRIES)
    except ResourceExistsError as error:
        if error.error_code == "LeaseAlreadyPresent":
            return None
        raise
    return lease
