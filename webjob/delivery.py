"""One received queue message, hidden from other workers until this worker settles it."""
import threading

from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.storage.queue import QueueClient, QueueMessage

from storage.queues import NEVER_EXPIRES
from storage.retries import NO_SDK_RETRIES

from .exceptions import MessageLostError


class Delivery:
    """A message and its current pop receipt: renew, release, finish or move it, each at most until settled.

    Thread-safe: the heartbeat renews while the training thread (or the shutdown watchdog) settles.
    Every renewal hands out a new pop receipt, which the next call must use.
    """

    def __init__(self, queue: QueueClient, message: QueueMessage, visibility_seconds: int):
        self._queue, self._message, self._visibility = queue, message, visibility_seconds
        self._pop_receipt = message.pop_receipt
        self._lock = threading.Lock()
        self._settled = False

    @property
    def id(self) -> str:
        """The message id: the same on every delivery of this message."""
        return self._message.id

    @property
    def dequeue_count(self) -> int:
        """How many times the queue has handed this message out, this time included."""
        return self._message.dequeue_count

    @property
    def content(self) -> str:
        """The message text."""
        return self._message.content

    def renew(self) -> None:
        """Hide the message for another visibility period. :raise MessageLostError:"""
        with self._lock:
            if not self._settled:
                self._set_visibility(self._visibility)

    def release(self, delay_seconds: int = 0) -> None:
        """Let the message be received again after the delay (0: at once). :raise MessageLostError:"""
        with self._lock:
            if not self._settled:
                self._set_visibility(round(delay_seconds))
                self._settled = True

    def finish(self) -> None:
        """Delete the message: its outcome is in the registry. :raise MessageLostError:"""
        with self._lock:
            if not self._settled:
                self._delete()
                self._settled = True

    def replace_with(self, content: str) -> None:
        """Send a new message (visible at once) in place of this one, then delete this one: the queue's delivery
        count starts again. Sent first, so a failure in between leaves a duplicate (which the lease drops), never
        no message."""
        with self._lock:
            if self._settled:
                return
            self._queue.send_message(content, time_to_live=NEVER_EXPIRES, **NO_SDK_RETRIES)
            self._delete()
            self._settled = True

    def move_to(self, poison_queue: QueueClient) -> None:
        """Put a copy in the poison queue (created if missing), then delete this one."""
        with self._lock:
            if self._settled:
                return
            try:
                poison_queue.send_message(self.content, time_to_live=NEVER_EXPIRES)
            except ResourceNotFoundError:
                create_queue_if_missing(poison_queue)
                poison_queue.send_message(self.content, time_to_live=NEVER_EXPIRES)
            self._delete()
            self._settled = True

    def _set_visibility(self, seconds: int):
        try:
            updated = self._queue.update_message(self.id, pop_receipt=self._pop_receipt, visibility_timeout=seconds,
                                                 **NO_SDK_RETRIES)
        except (ResourceNotFoundError, HttpResponseError) as error:
            _raise_if_lost(error)
            raise
        self._pop_receipt = updated.pop_receipt

    def _delete(self):
        try:
            self._queue.delete_message(self.id, self._pop_receipt, **NO_SDK_RETRIES)
        except (ResourceNotFoundError, HttpResponseError) as error:
            _raise_if_lost(error)
            raise


def create_queue_if_missing(queue: QueueClient) -> None:
    """Create the queue unless it exists."""
    try:
        queue.create_queue()
    except ResourceExistsError:
        pass


def _raise_if_lost(error: HttpResponseError):
    """404 MessageNotFound and 400 PopReceiptMismatch: the message was deleted or handed to someone else."""
    if isinstance(error, ResourceNotFoundError) or error.status_code in (400, 404):
        raise MessageLostError(f"the message is no longer ours ({error.status_code} {error.error_code})") from error
