"""The queue-consuming worker: train and delete messages, one at a time, until asked to stop."""
import logging
import signal
import time

from azure.core.exceptions import AzureError

from common.messages import BadMessageError, ModelMessage
from registry import ConcurrentUpdateError, ModelNotFoundError, ModelStatus, StorageUnavailableError

from .training import ModelTrainer, ProgressReporter, TrainingFailedError

logger = logging.getLogger(__name__)

MAX_DEQUEUE_COUNT = 5
"""Deliveries of one message before the worker gives up on it and fails the model."""
MAX_BACKOFF_SECONDS = 30.0
"""Longest wait between retries while storage is unreachable."""


class Worker:
    """Consumes the delete and train queues. Signal handlers only set state (warm stop, then cold)."""

    def __init__(self, settings, registry, store, blobs, train_queue, delete_queue, sleep=time.sleep):
        self._settings = settings
        self._registry = registry
        self._store = store
        self._blobs = blobs
        self._train_queue = train_queue
        self._delete_queue = delete_queue
        self._sleep = sleep
        self._stop_requested = False

    def work(self, burst: bool = False, max_messages: int = None) -> bool:
        """Handle messages until stopped (or, with burst, until both queues are empty). True if any was handled."""
        handled = 0
        failures = 0
        while not self._stop_requested and (max_messages is None or handled < max_messages):
            try:
                did_work = self._handle_next()
                failures = 0
            except (StorageUnavailableError, AzureError) as error:
                failures += 1
                delay = min(MAX_BACKOFF_SECONDS, self._settings.queue_poll_seconds * 2 ** failures)
                logger.warning("storage error (%s); retrying in %.1f s", error, delay)
                self._sleep(delay)
                continue
            if did_work:
                handled += 1
            elif burst:
                break
            else:
                self._sleep(self._settings.queue_poll_seconds)
        return handled > 0

    def request_stop(self, signum=None, frame=None):
        """First signal: finish the current message, then stop. Second: stop now."""
        if self._stop_requested:
            raise SystemExit(1)
        logger.info("stop requested; finishing the current message")
        self._stop_requested = True

    def install_signal_handlers(self):
        """SIGTERM and SIGINT ask for a stop."""
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)

    def _handle_next(self) -> bool:
        for queue, handler in ((self._delete_queue, self._delete), (self._train_queue, self._train)):
            message = queue.receive_message(visibility_timeout=self._settings.message_visibility_seconds)
            if message is None:
                continue
            try:
                model_id = ModelMessage.from_json(message.content).model_id
            except BadMessageError as error:
                logger.error("dropping a message that is not ours: %s", error)
                queue.delete_message(message)
                return True
            handler(model_id, message.dequeue_count)
            queue.delete_message(message)  # only once the outcome is in the registry
            return True
        return False

    def _delete(self, model_id: str, dequeue_count: int):
        removed = self._store.delete(model_id)
        logger.info("model %s deleted (blob %s)", model_id, "removed" if removed else "absent")

    def _train(self, model_id: str, dequeue_count: int):
        try:
            record = self._registry.get(model_id)
        except ModelNotFoundError:
            logger.info("model %s no longer exists; nothing to train", model_id)
            return
        if record.status in (ModelStatus.COMPLETED, ModelStatus.FAILED):
            logger.info("model %s is already %s; skipping a repeated message", model_id, record.status.value)
            return
        if dequeue_count > MAX_DEQUEUE_COUNT:
            self._fail(record, f"training was attempted {dequeue_count - 1} times without finishing")
            return
        try:
            record = self._registry.update(record.with_status(ModelStatus.IN_PROGRESS, "Starting model training"),
                                           if_unchanged=True)
        except ConcurrentUpdateError:
            logger.info("model %s was claimed by another worker", model_id)
            return
        trainer = ModelTrainer(self._blobs, self._store, ProgressReporter(self._registry, model_id),
                               self._settings.max_parsing_errors)
        try:
            statistics = trainer.train(record)
        except TrainingFailedError as error:
            self._fail(self._registry.get(model_id), str(error), error.statistics)
            return
        except ModelNotFoundError:
            logger.info("model %s was deleted during training", model_id)
            self._store.delete(model_id)
            return
        completed = self._registry.get(model_id).with_status(
            ModelStatus.COMPLETED, "Model training completed successfully", statistics)
        self._registry.update(completed)
        if self._registry.set_default_if_none(model_id):
            logger.info("model %s is now the default model", model_id)
        logger.info("model %s completed in %.1f s", model_id, statistics["totalDuration"])

    def _fail(self, record, reason: str, statistics: dict = None):
        logger.warning("model %s failed: %s", record.id, reason)
        self._registry.update(record.with_status(ModelStatus.FAILED, f"Failed: {reason}", statistics))
