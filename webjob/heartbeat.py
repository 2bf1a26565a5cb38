"""The background thread that keeps a training's holds alive and notices when they end."""
import logging
import threading

from registry import ConcurrentUpdateError, ModelNotFoundError, ModelStatus
from storage.retries import describe_error

from .cancellation import Cancellation, CancelReason
from .claim import ModelClaim
from .delivery import Delivery
from .exceptions import LeaseLostError, MessageLostError
from .lease import TrainingLease
from .progress import TrainingProgress

logger = logging.getLogger(__name__)

KEEP_BEATING = (None, CancelReason.WORKER_STOPPING)
"""A stopping worker still holds its message until it releases it; a deleted or lost model needs no beat."""


class Heartbeat:
    """`with Heartbeat(...):` around a training. Every `interval` seconds it:

    - renews the message's visibility, so no other worker receives it while this one trains;
    - renews the model's training lease;
    - writes the newest progress message (or reads the record back), which also tells whether the model
      was deleted or claimed by another worker.

    A lost message, lease or claim, or a deleted model, cancels the training; a storage error is logged
    and the next beat tries again (the holds last three beats or more).
    """

    def __init__(self, delivery: Delivery, lease: TrainingLease, claim: ModelClaim, progress: TrainingProgress,
                 cancellation: Cancellation, interval: float):
        self._delivery, self._lease, self._claim = delivery, lease, claim
        self._progress, self._cancellation, self._interval = progress, cancellation, interval
        self._stopped = threading.Event()
        self._failing = set()  # names of the steps whose last try failed
        self._model_id = claim.record.id
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{self._model_id}", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stopped.set()
        self._thread.join()
        return False  # exceptions of the training go on to the worker

    def _run(self):
        # Once the model is gone or another worker holds it, there is nothing left to keep alive.
        while not self._stopped.wait(self._interval) and self._cancellation.reason in KEEP_BEATING:
            self.beat()

    def beat(self) -> None:
        """One round of renewals and checks."""
        steps = (("message renewal", self._delivery.renew), ("lease renewal", self._lease.renew),
                 ("status check", self._write_progress))
        for name, step in steps:
            if self._stopped.is_set():
                return
            try:
                step()
            except ModelNotFoundError:
                self._cancel(CancelReason.MODEL_DELETED)
            except (MessageLostError, LeaseLostError, ConcurrentUpdateError) as error:
                logger.warning("model %s: %s", self._model_id, error)
                self._cancel(CancelReason.OWNERSHIP_LOST)
            except Exception as error:  # noqa: BLE001 - a dead heartbeat would let the message reappear mid-training
                self._failed(name, error)
            else:
                self._succeeded(name)

    def _failed(self, name: str, error: Exception):
        if name not in self._failing:  # once per outage, not on every beat
            self._failing.add(name)
            logger.warning("model %s: %s failed (%s); trying again every %.1f s", self._model_id, name,
                           describe_error(error), self._interval)

    def _succeeded(self, name: str):
        if name in self._failing:
            self._failing.discard(name)
            logger.info("model %s: %s works again", self._model_id, name)

    def _write_progress(self):
        message = self._progress.take()
        if message is None:
            self._claim.check()
        else:
            self._claim.write(ModelStatus.IN_PROGRESS, message)
            logger.info("model %s: %s", self._model_id, message)

    def _cancel(self, reason: CancelReason):
        if self._cancellation.reason is None:
            logger.info("model %s: cancelling the training: %s", self._model_id, reason.value)
        self._cancellation.cancel(reason)
