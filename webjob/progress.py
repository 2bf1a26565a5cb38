"""The trainer's report_progress: a cancellation point, and the latest status for the heartbeat to write."""
import threading
from typing import Optional

from .cancellation import Cancellation


class TrainingProgress:
    """Called often by the training thread: checks for cancellation, keeps the message; never does I/O.

    The heartbeat thread writes the newest message to the registry, so the status changes at most once
    per heartbeat, and a slow or unreachable registry never holds the training up.
    """

    def __init__(self, cancellation: Cancellation):
        self._cancellation = cancellation
        self._lock = threading.Lock()
        self._latest: Optional[str] = None

    def __call__(self, message: str) -> None:
        """Record the training's current stage. :raise TrainingCancelledError: once cancelled"""
        self._cancellation.raise_if_cancelled()
        with self._lock:
            self._latest = message

    def take(self) -> Optional[str]:
        """The newest message not yet taken, or None."""
        with self._lock:
            message, self._latest = self._latest, None
            return message
