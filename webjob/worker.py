"""The queue-consuming worker: delete, train and batch messages, one at a time, until asked to stop."""
import logging
import os
import signal
import threading

from registry import ModelNotFoundError
from storage.messages import BadMessageError, BatchMessage, DeleteMessage, ModelMessage, TrainMessage
from storage.queues import ModelQueues, send
from storage.retries import NO_SDK_RETRIES, describe_error, is_transient

from .backoff import Backoff
from .batch_job import BatchJob
from .cancellation import Cancellation, CancelReason
from .deletion import remove_deleted_model
from .delivery import Delivery, create_queue_if_missing
from .exceptions import MessageLostError
from .scheduler import Scheduler
from .sweeper import Sweeper
from .train_job import Action, Outcome, TrainJob
from .training_flow import trainer_factory_for

logger = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
STOP_GRACE_SECONDS = 7.0
"""After a stop request, how long the current message may take to settle before the process exits anyway."""


class Worker:
    """Consumes the delete queue, then the train queue, then (with `jobs`, a JobRegistry) the batch queue.

    Signal handlers only set state (then a watchdog). `queues` maps "train", "delete", "train_poison" and
    "delete_poison" (and "batch", "batch_poison" with `jobs`) to QueueClients; `models_container`
    is the ContainerClient of the model blobs (and the training leases).
    """

    def __init__(self, settings, *, registry, store, blobs, queues: dict, models_container, trainer_factory=None,
                 scheduler=None, jobs=None):
        self._settings, self._registry, self._store = settings, registry, store
        self._scheduler = scheduler  # retrain schedules (webjob.scheduler), checked between messages
        self._queues, self._container = queues, models_container
        trainer_factory = trainer_factory or trainer_factory_for(settings, blobs, store)  # local, or on Dask
        self._job = TrainJob(settings, registry, store, models_container, trainer_factory)
        self._batch = BatchJob(settings, jobs, registry, store, blobs, models_container) if jobs is not None else None
        self._roles = (("delete", self._delete), ("train", self._train)) + \
            ((("batch", self._run_batch),) if self._batch is not None else ())
        self._sweeper = Sweeper(settings, registry, store, models_container, {
            "train": lambda model_id: send(queues["train"], TrainMessage(model_id)),
            "delete": lambda model_id: send(queues["delete"], DeleteMessage(model_id))})
        self._stopping = threading.Event()
        self._cancellation = Cancellation()
        self._delivery = None
        self._watchdog = None

    @classmethod
    def from_storage(cls, settings, storage, registry, store, trainer_factory=None, schedules=None,
                     jobs=None) -> "Worker":
        """A worker on the queues and models container named by the settings; with `schedules`, it runs them; with
        `jobs` (a JobRegistry), batch jobs too."""
        names = {"train": settings.train_queue, "delete": settings.delete_queue,
                 "train_poison": settings.train_poison_queue, "delete_poison": settings.delete_poison_queue,
                 "batch": settings.batch_queue, "batch_poison": settings.batch_poison_queue}
        queues = {role: storage.queues.get_queue_client(name) for role, name in names.items()}
        scheduler = None if schedules is None else \
            Scheduler(registry, schedules, ModelQueues(storage.queues, settings).send_train)
        return cls(settings, registry=registry, store=store, blobs=storage.blobs, queues=queues,
                   models_container=storage.blobs.get_container_client(settings.models_container),
                   trainer_factory=trainer_factory, scheduler=scheduler, jobs=jobs)

    def work(self, burst: bool = False, max_messages: int = None) -> bool:
        """Handle messages until stopped; with burst, until the queues hold no message. True if any was handled.

        Storage errors never end the loop: it waits (doubling, jittered) and tries again.
        """
        handled = 0
        backoff = Backoff(self._settings.retry_backoff_seconds, self._settings.max_retry_backoff_seconds)
        while not self._stopping.is_set() and (max_messages is None or handled < max_messages):
            try:
                self._sweeper.sweep_if_due()
                if self._scheduler is not None:
                    self._scheduler.check()
                if self._handle_next():
                    handled += 1
                elif burst and self._queues_empty():
                    break
                else:
                    self._stopping.wait(self._settings.queue_poll_seconds)
                backoff.reset()
            except Exception as error:  # noqa: BLE001 - the process's top level: log, wait, go on
                delay = backoff.next_delay()
                if is_transient(error):
                    logger.warning("storage unavailable (%s); retrying in %.1f s", describe_error(error), delay)
                else:
                    logger.exception("unexpected error; retrying in %.1f s", delay)
                self._stopping.wait(delay)
            finally:
                self._delivery = None
        if self._watchdog is not None:
            self._watchdog.cancel()  # stopped in time
        return handled > 0

    def request_stop(self):
        """First call: take no more messages, abandon the current training, exit within the grace time.

        Second call: exit now. The current message is made visible again either way.
        """
        if self._stopping.is_set():
            self._exit_now("second stop request")
        logger.info("stop requested")
        self._stopping.set()
        self._cancellation.cancel(CancelReason.WORKER_STOPPING)
        self._watchdog = threading.Timer(STOP_GRACE_SECONDS, self._exit_now, args=("the grace time ran out",))
        self._watchdog.daemon = True
        self._watchdog.start()

    def take_stop_signals(self, signals=STOP_SIGNALS):
        """Make the signals ask for a stop; every thread of the process must have them blocked already.

        A thread of its own takes them (sigwait) and calls request_stop. A Python signal handler would
        run in the main thread only, late when that thread waits in a system call, and inside whatever it
        is doing, deadlocking if that held a lock the stop needs.
        """
        if not set(signals) <= signal.pthread_sigmask(signal.SIG_BLOCK, []):
            raise RuntimeError("block the stop signals before any thread starts (see webjob.__main__)")
        threading.Thread(target=self._take_signals, args=(set(signals),), name="stop-signals", daemon=True).start()

    def _take_signals(self, signals: set):
        while True:
            signal.sigwait(signals)
            self.request_stop()

    def ensure_poison_queues(self):
        """Create the poison queues if missing (startup)."""
        for role in [f"{role}_poison" for role, _ in self._roles]:
            create_queue_if_missing(self._queues[role])

    def _handle_next(self) -> bool:
        for role, handle in self._roles:
            message = self._queues[role].receive_message(
                visibility_timeout=self._settings.message_visibility_seconds, **NO_SDK_RETRIES)
            if message is not None:
                self._delivery = Delivery(self._queues[role], message, self._settings.message_visibility_seconds)
                self._settle(self._delivery, role, self._dispatch(self._delivery, role, handle))
                return True
        return False

    def _dispatch(self, delivery: Delivery, role: str, handle) -> Outcome:
        try:
            message = BatchMessage.from_json(delivery.content) if role == "batch" \
                else ModelMessage.from_json(delivery.content)
        except BadMessageError as error:
            logger.error("moving a message that is not ours to the poison queue: %s", error)
            return Outcome(Action.POISON)
        if self._stopping.is_set():
            return Outcome(Action.RELEASE)
        model_id = message.job_id if role == "batch" else message.model_id
        if delivery.dequeue_count > self._settings.max_dequeue_count:
            logger.error("model %s: %s message delivered %d times; giving up", model_id, role, delivery.dequeue_count)
            if role == "batch":
                return self._batch.give_up(model_id)
            return self._job.give_up(delivery, model_id) if role == "train" else Outcome(Action.POISON)
        return handle(delivery, message)

    def _train(self, delivery: Delivery, message: ModelMessage) -> Outcome:
        self._cancellation = Cancellation()
        if self._stopping.is_set():  # a stop request between receiving and here
            return Outcome(Action.RELEASE)
        return self._job.run(delivery, message, self._cancellation)

    def _run_batch(self, delivery: Delivery, message: BatchMessage) -> Outcome:
        self._cancellation = Cancellation()
        if self._stopping.is_set():
            return Outcome(Action.RELEASE)
        return self._batch.run(delivery, message.job_id, self._cancellation)

    def _delete(self, delivery: Delivery, message: ModelMessage) -> Outcome:
        model_id = message.model_id
        try:
            self._registry.get(model_id)
            logger.warning("model %s: ignoring a delete message for a model that still exists", model_id)
            return Outcome(Action.FINISH)
        except ModelNotFoundError:
            pass
        remove_deleted_model(self._registry, self._store, self._container, model_id)
        return Outcome(Action.FINISH)

    def _settle(self, delivery: Delivery, role: str, outcome: Outcome):
        try:
            if outcome.action == Action.FINISH:
                delivery.finish()
            elif outcome.action == Action.RETRY:
                delivery.release(outcome.delay)
            elif outcome.action == Action.RELEASE:
                delivery.release(0)
            elif outcome.action == Action.HAND_BACK:
                delivery.replace_with(outcome.message)
            elif outcome.action == Action.POISON:
                delivery.move_to(self._queues[f"{role}_poison"])
        except MessageLostError as error:
            logger.info("message %s: %s; another worker settles it", delivery.id, error)

    def _queues_empty(self) -> bool:
        return all(self._queues[role].get_queue_properties(**NO_SDK_RETRIES).approximate_message_count == 0
                   for role, _ in self._roles)

    def _exit_now(self, why: str):
        """Make the current message visible again (if storage answers within a moment) and end the process."""
        logger.error("exiting now (%s)", why)
        delivery = self._delivery
        if delivery is not None:
            releasing = threading.Thread(target=_release_quietly, args=(delivery,), daemon=True)
            releasing.start()
            releasing.join(timeout=2.0)
        logging.shutdown()
        os._exit(1)


def _release_quietly(delivery: Delivery):
    try:
        delivery.release(0)
        logger.info("message %s released", delivery.id)
    except Exception as error:  # noqa: BLE001 - exiting anyway: the message comes back when its visibility ends
        logger.warning("message %s not released (%s); it comes back when its visibility ends", delivery.id,
                       describe_error(error))
