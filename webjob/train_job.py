"""One train message: claim the model, train it under a heartbeat, and settle the outcome in the registry."""
import logging
from dataclasses import dataclass
from enum import Enum
from typing import Optional

from registry import ConcurrentUpdateError, ModelNotFoundError, ModelStatus
from registry.promotion import Decision, decide
from storage.messages import ModelMessage
from storage.retries import describe_error

from .backoff import retry_delay
from .cancellation import Cancellation, CancelReason
from .claim import FINAL_STATUSES, ModelClaim
from .deadline import call_with_deadline
from .deletion import remove_deleted_model
from .delivery import Delivery
from .exceptions import TrainingCancelledError, TrainingDeadlineError, TrainingFailedError
from .heartbeat import Heartbeat
from .lease import TrainingLease
from .progress import TrainingProgress

logger = logging.getLogger(__name__)


class Action(Enum):
    """What the worker does with the message once the job is over."""

    FINISH = "finish"  # the outcome is in the registry (or there is nothing to do): delete the message
    RETRY = "retry"  # this attempt failed: let the message come back after a delay
    POISON = "poison"  # given up, the model is Failed: move the message to the poison queue
    RELEASE = "release"  # the worker is stopping: make the message visible again at once
    HAND_BACK = "hand back"  # the worker stopped a training: re-send the message (one more interruption)
    LEAVE = "leave"  # another worker holds the message now: touch nothing


@dataclass(frozen=True)
class Outcome:
    """An action and, for RETRY, how long the message stays hidden first; for HAND_BACK, the message to send."""

    action: Action
    delay: float = 0.0
    message: Optional[str] = None


FINISH, POISON, RELEASE, LEAVE = (Outcome(action) for action in (Action.FINISH, Action.POISON, Action.RELEASE,
                                                                   Action.LEAVE))


class TrainJob:
    """Handles train messages for one worker; trainer_factory(report_progress) builds a ModelTrainer."""

    def __init__(self, settings, registry, store, models_container, trainer_factory):
        self._settings, self._registry, self._store = settings, registry, store
        self._container, self._trainer_factory = models_container, trainer_factory
        self._max_deliveries = settings.max_dequeue_count
        self._heartbeat_interval = min(settings.heartbeat_seconds, settings.message_visibility_seconds / 3)

    def run(self, delivery: Delivery, message: ModelMessage, cancellation: Cancellation) -> Outcome:
        """Train the model unless it is gone, finished, or being trained for another message."""
        model_id = message.model_id
        try:
            record = self._registry.get(model_id)
        except ModelNotFoundError:
            return self._deleted(model_id, "no longer exists; nothing to train")
        if record.status in FINAL_STATUSES:
            logger.info("model %s is already %s; dropping a repeated message", model_id, record.status.value)
            if record.status == ModelStatus.COMPLETED and record.promotion_policy is None:
                self._make_default_if_none(model_id)  # the completing worker may have died just before
            return FINISH
        lease = TrainingLease(self._container, model_id, delivery.id)
        if not lease.acquire():
            logger.info("model %s is being trained for another message (its lease is held); dropping a duplicate",
                        model_id)
            return FINISH
        try:
            claim = ModelClaim.take(self._registry, model_id, self._start_message(delivery, message))
        except ModelNotFoundError:
            return self._deleted(model_id, "was deleted before its training started")
        if claim is None:
            lease.release()
            return FINISH
        return self._train(delivery, message, lease, claim, cancellation)

    def give_up(self, delivery: Delivery, model_id: str) -> Outcome:
        """The message came back more than MAX_DEQUEUE_COUNT times: fail the model, poison the message."""
        try:
            record = self._registry.get(model_id)
        except ModelNotFoundError:
            return self._deleted(model_id, "no longer exists")
        if record.status in FINAL_STATUSES:
            return FINISH
        lease = TrainingLease(self._container, model_id, delivery.id)
        if not lease.acquire():
            return FINISH  # a duplicate: the model is being trained for another message
        reason = f"gave up after {self._max_deliveries} deliveries without a result; last status: " \
                 f"{record.status_message}"
        try:
            self._registry.update(record.with_status(ModelStatus.FAILED, f"Failed: {reason}"), if_unchanged=True)
        except ModelNotFoundError:
            return self._deleted(model_id, "no longer exists")
        lease.release()
        logger.error("model %s failed: %s", model_id, reason)
        return POISON

    def _train(self, delivery: Delivery, message: ModelMessage, lease: TrainingLease, claim: ModelClaim,
               cancellation: Cancellation) -> Outcome:
        model_id = claim.record.id
        progress = TrainingProgress(cancellation)
        trainer = self._trainer_factory(progress)
        logger.info("model %s: training started (delivery %d of %d%s)", model_id, delivery.dequeue_count,
                    self._max_deliveries, f", after {message.interruptions} interruptions" if message.interruptions
                    else "")
        try:
            with Heartbeat(delivery, lease, claim, progress, cancellation, self._heartbeat_interval):
                statistics = call_with_deadline(lambda: trainer.train(claim.record),
                                                self._settings.training_deadline_seconds, cancellation)
        except TrainingCancelledError as cancelled:
            return self._cancelled(claim, lease, cancelled.reason, message)
        except (TrainingFailedError, TrainingDeadlineError) as error:
            logger.warning("model %s failed: %s", model_id, error)
            return self._settle(claim, lease, ModelStatus.FAILED, f"Failed: {error}", FINISH,
                                getattr(error, "statistics", None))
        except Exception as error:  # noqa: BLE001 - any other error is a failed attempt: retried, then poisoned
            return self._attempt_failed(delivery, lease, claim, error)
        decision = self._promotion(claim.record, statistics)
        message = "Model training completed successfully" + (f"; {decision.reason}" if decision else "")
        outcome = self._settle(claim, lease, ModelStatus.COMPLETED, message, FINISH, statistics)
        if claim.record.status == ModelStatus.COMPLETED:
            logger.info("model %s: completed in %.1f s", model_id, statistics.get("totalDuration", 0.0))
            if decision is None:
                self._make_default_if_none(model_id)
            elif decision.promote:
                self._registry.set_default_id(model_id)
                logger.info("model %s is now the default model: %s", model_id, decision.reason)
        return outcome

    def _attempt_failed(self, delivery: Delivery, lease: TrainingLease, claim: ModelClaim, error: Exception):
        attempt, reason = delivery.dequeue_count, describe_error(error)
        logger.error("model %s: attempt %d of %d failed", claim.record.id, attempt, self._max_deliveries,
                     exc_info=error)
        if attempt >= self._max_deliveries:
            return self._settle(claim, lease, ModelStatus.FAILED,
                                f"Failed: attempt {attempt} of {self._max_deliveries} failed: {reason}", POISON)
        delay = round(retry_delay(self._settings.retry_backoff_seconds, self._settings.max_retry_backoff_seconds,
                                  attempt - 1))  # a queue's visibility timeout is whole seconds
        return self._settle(claim, lease, ModelStatus.IN_PROGRESS,
                            f"Attempt {attempt} of {self._max_deliveries} failed ({reason}); retrying in {delay} s",
                            Outcome(Action.RETRY, delay))

    def _cancelled(self, claim: ModelClaim, lease: TrainingLease, reason: CancelReason,
                   message: ModelMessage) -> Outcome:
        model_id = claim.record.id
        if reason == CancelReason.MODEL_DELETED or not self._exists(model_id):
            return self._deleted(model_id, "was deleted; training cancelled")
        if reason == CancelReason.WORKER_STOPPING:
            return self._interrupted(claim, lease, message)
        logger.warning("model %s: training cancelled: %s", model_id, reason.value)
        return LEAVE

    def _interrupted(self, claim: ModelClaim, lease: TrainingLease, message: ModelMessage) -> Outcome:
        """A shutdown is not a failed attempt: hand the message back with one more interruption, up to the bound."""
        if message.interruptions >= self._settings.max_interruptions:
            logger.warning("model %s: training abandoned after %d interruptions: this one counts as a delivery",
                           message.model_id, message.interruptions)
            return self._settle(claim, lease, ModelStatus.IN_PROGRESS,
                                "Interrupted by a worker shutdown; waiting for another worker", RELEASE)
        logger.info("model %s: training abandoned: the worker is shutting down", message.model_id)
        return self._settle(claim, lease, ModelStatus.IN_PROGRESS,
                            "Interrupted by a worker shutdown; waiting for another worker",
                            Outcome(Action.HAND_BACK, message=message.interrupted().to_json()))

    def _settle(self, claim: ModelClaim, lease: TrainingLease, status: ModelStatus, message: str, outcome: Outcome,
                statistics: dict = None) -> Outcome:
        """Write the attempt's result with the claim's ETag, then give the lease up."""
        try:
            claim.write(status, message, statistics)
        except ModelNotFoundError:
            return self._deleted(claim.record.id, "was deleted during training")
        except ConcurrentUpdateError:
            logger.warning("model %s was claimed by another worker; leaving it to that worker", claim.record.id)
            return LEAVE
        lease.release()
        return outcome

    def _deleted(self, model_id: str, what: str) -> Outcome:
        """A training that died between storing its blob and noticing the deletion may have left one."""
        logger.info("model %s %s", model_id, what)
        remove_deleted_model(self._registry, self._store, self._container, model_id)
        return FINISH

    def _exists(self, model_id: str) -> bool:
        try:
            self._registry.get(model_id)
            return True
        except ModelNotFoundError:
            return False

    def _promotion(self, record, statistics: dict) -> Optional[Decision]:
        """The record's promotion policy decides against the current default; None without a policy."""
        if record.promotion_policy is None:
            return None
        default_id = self._registry.get_default_id()
        default = None
        if default_id is not None:
            try:
                default = self._registry.get(default_id).statistics
            except ModelNotFoundError:
                default_id = None  # deleted meanwhile: there is no default to keep
        return decide(record.promotion_policy, statistics, default_id, default)

    def _make_default_if_none(self, model_id: str):
        if self._settings.auto_default_model and self._registry.set_default_if_none(model_id):
            logger.info("model %s is now the default model", model_id)

    def _start_message(self, delivery: Delivery, message: ModelMessage) -> str:
        if delivery.dequeue_count == 1:
            return f"Training again after {message.interruptions} worker shutdowns" if message.interruptions \
                else "Training started"
        return f"Training again (delivery {delivery.dequeue_count} of {self._max_deliveries}): " \
               "the previous attempt did not finish"
