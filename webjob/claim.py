"""A worker's claim on a model record: each write is conditional on the ETag of the claim's previous write.

While a model is InProgress only the worker that claimed it writes its record. If another worker claims
it (it received the message after this worker's hold on it lapsed), the ETag chain breaks and this
worker's next write fails with ConcurrentUpdateError: it knows it lost the model.
"""
import threading
from typing import Optional

from registry import ConcurrentUpdateError, ModelRecord, ModelStatus

FINAL_STATUSES = (ModelStatus.COMPLETED, ModelStatus.FAILED)
CLAIM_ATTEMPTS = 3
"""Reads and conditional writes tried before a claim gives up on a record that keeps changing."""


class ModelClaim:
    """The claimed record and its latest ETag; thread-safe (the heartbeat and the training thread write)."""

    def __init__(self, registry, record: ModelRecord):
        self._registry = registry
        self._record = record
        self._lock = threading.Lock()

    @classmethod
    def take(cls, registry, model_id: str, message: str) -> Optional["ModelClaim"]:
        """Mark the model InProgress with an ETag-conditional write; None when it is Completed or Failed.

        :raise ModelNotFoundError: :raise ConcurrentUpdateError: the record kept changing
        """
        for _ in range(CLAIM_ATTEMPTS):
            record = registry.get(model_id)
            if record.status in FINAL_STATUSES:
                return None
            try:
                return cls(registry, registry.update(record.with_status(ModelStatus.IN_PROGRESS, message),
                                                     if_unchanged=True))
            except ConcurrentUpdateError:
                continue
        raise ConcurrentUpdateError(f"model {model_id} kept changing while it was being claimed")

    @property
    def record(self) -> ModelRecord:
        """The record as this claim last wrote it."""
        return self._record

    def write(self, status: ModelStatus, message: str, statistics: Optional[dict] = None) -> None:
        """Write a new status. :raise ModelNotFoundError: :raise ConcurrentUpdateError: the claim is lost"""
        with self._lock:
            self._record = self._registry.update(self._record.with_status(status, message, statistics),
                                                 if_unchanged=True)

    def check(self) -> None:
        """Read the record back. :raise ModelNotFoundError: :raise ConcurrentUpdateError: someone else wrote it"""
        current = self._registry.get(self._record.id)
        if current.etag != self._record.etag:
            raise ConcurrentUpdateError(f"model {self._record.id} was written by someone else")
