"""A one-shot signal that tells a running training to stop, and why."""
import threading
from enum import Enum
from typing import Optional

from .exceptions import TrainingCancelledError


class CancelReason(str, Enum):
    """Why a training stops before its end."""

    MODEL_DELETED = "the model was deleted"
    WORKER_STOPPING = "the worker is shutting down"
    OWNERSHIP_LOST = "another worker took over the model's message or lease"
    DEADLINE_PASSED = "the training ran past its deadline"


class Cancellation:
    """Thread-safe; set by the heartbeat thread or a signal handler, checked by the training thread."""

    def __init__(self):
        self._event = threading.Event()
        self._reason: Optional[CancelReason] = None

    def cancel(self, reason: CancelReason) -> None:
        """Ask the training to stop; the first reason given is kept."""
        if not self._event.is_set():
            self._reason = reason
            self._event.set()

    @property
    def reason(self) -> Optional[CancelReason]:
        """Why the training was cancelled, or None."""
        return self._reason if self._event.is_set() else None

    def raise_if_cancelled(self) -> None:
        """:raise TrainingCancelledError: once cancelled (cheap: one Event check)."""
        if self._event.is_set():
            raise TrainingCancelledError(self._reason)
