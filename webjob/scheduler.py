"""Runs due retrain schedules: of many workers, exactly one starts each tick (an ETag-conditional write).

A tick is due when the schedule's cron has ticked since its last_tick. The worker that moves last_tick to now
(conditional on the schedule's ETag) owns the tick and creates the retrain; the others' writes fail and they
skip it. Ticks missed while no worker ran are folded into one retrain. A worker that dies between the write
and the new model loses that tick (at most once): the next tick retrains.
"""
import logging
import time
import uuid
from datetime import datetime, timezone
from typing import Callable

from registry import ConcurrentUpdateError, ModelNotFoundError, ScheduleNotFoundError
from registry.lineage import next_parent, retrain_record, with_usage_path
from scheduling import CronExpression, CronSyntaxError

logger = logging.getLogger(__name__)

SCHEDULE_CHECK_SECONDS = 30.0
"""How often a worker looks for due schedules (cron's resolution is a minute)."""


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Scheduler:
    """Checks the schedules now and then; `send_train(model_id)` queues a training."""

    def __init__(self, registry, schedules, send_train: Callable[[str], None], *,
                 check_seconds: float = SCHEDULE_CHECK_SECONDS, clock: Callable[[], datetime] = utc_now,
                 timer: Callable[[], float] = time.monotonic):
        self._registry, self._schedules, self._send_train = registry, schedules, send_train
        self._check_seconds, self._clock, self._timer = check_seconds, clock, timer
        self._next_check = None

    def check(self) -> int:
        """Run the due schedules if the check interval has passed; the number of retrains started."""
        if self._next_check is not None and self._timer() < self._next_check:
            return 0
        self._next_check = self._timer() + self._check_seconds
        now = self._clock()
        return sum(self._run_if_due(schedule, now) for schedule in self._schedules.list_all())

    def _run_if_due(self, schedule, now: datetime) -> int:
        try:
            due = CronExpression.parse(schedule.cron).next_after(schedule.last_tick)
        except CronSyntaxError as error:  # the API refuses these; a row written by hand may hold one
            logger.error("schedule of model %s: %s", schedule.model_id, error)
            return 0
        if due > now:
            return 0
        try:
            parent = next_parent(self._registry, schedule)
        except ModelNotFoundError:
            logger.warning("schedule of model %s: the model is gone; the schedule is removed", schedule.model_id)
            self._remove(schedule.model_id)
            return 0
        child_id = str(uuid.uuid4())
        try:
            self._schedules.update(schedule.after_tick(now.replace(second=0, microsecond=0), child_id))
        except (ConcurrentUpdateError, ScheduleNotFoundError):
            return 0  # another worker took this tick, or the schedule was deleted
        record = retrain_record(parent, model_id=child_id, now=now, promotion_policy=schedule.promotion_policy,
                                parameters=with_usage_path(parent.parameters, schedule.usage_relative_path))
        self._registry.create(record)
        self._send_train(record.id)
        logger.info("schedule of model %s: retrain %s of model %s started (tick %s)", schedule.model_id, child_id,
                    parent.id, due.isoformat())
        return 1

    def _remove(self, model_id: str) -> None:
        try:
            self._schedules.delete(model_id)
        except ScheduleNotFoundError:
            pass
