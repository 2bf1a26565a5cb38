"""Retrain schedules: one per model, kept beside the model records (Table) or in a dict (unit tests).

A schedule's `last_tick` is the tick it last ran; a worker runs the next one only after it moved last_tick
with a write conditional on the schedule's ETag, so of many workers exactly one runs each tick.
"""
import itertools
import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Optional

from .exceptions import ConcurrentUpdateError, RegistryError

MAX_CHILDREN = 10
"""Retrains a schedule remembers, newest first: the next one's parent is the newest of them that completed."""


class ScheduleNotFoundError(RegistryError, LookupError):
    """The model has no schedule."""


@dataclass(frozen=True)
class ScheduleRecord:
    """A model's retrain schedule. `children` are the ids of the retrains it created, newest first."""

    model_id: str
    cron: str
    last_tick: datetime
    usage_relative_path: Optional[str] = None
    promotion_policy: Optional[dict] = None
    children: tuple = ()
    etag: Optional[str] = None

    def after_tick(self, tick: datetime, child_id: Optional[str] = None) -> "ScheduleRecord":
        """This schedule having run `tick` (and created `child_id`)."""
        children = ((child_id,) + self.children)[:MAX_CHILDREN] if child_id else self.children
        return replace(self, last_tick=tick, children=children)


class InMemoryScheduleStore:
    """Thread-safe schedules in a dict; etags are a counter. Same contract as TableScheduleStore."""

    def __init__(self):
        self._schedules, self._lock, self._etags = {}, threading.Lock(), itertools.count(1)

    def put(self, schedule: ScheduleRecord) -> ScheduleRecord:
        """Create or replace a model's schedule."""
        with self._lock:
            stored = replace(schedule, etag=str(next(self._etags)))
            self._schedules[schedule.model_id] = stored
            return stored

    def get(self, model_id: str) -> ScheduleRecord:
        """:raise ScheduleNotFoundError:"""
        with self._lock:
            return self._get(model_id)

    def list_all(self) -> list:
        """Every schedule."""
        with self._lock:
            return list(self._schedules.values())

    def update(self, schedule: ScheduleRecord) -> ScheduleRecord:
        """Replace a schedule if its etag still matches. :raise ConcurrentUpdateError: :raise ScheduleNotFoundError:"""
        with self._lock:
            if self._get(schedule.model_id).etag != schedule.etag:
                raise ConcurrentUpdateError(f"the schedule of model {schedule.model_id} changed since it was read")
            stored = replace(schedule, etag=str(next(self._etags)))
            self._schedules[schedule.model_id] = stored
            return stored

    def delete(self, model_id: str) -> None:
        """:raise ScheduleNotFoundError:"""
        with self._lock:
            self._get(model_id)
            del self._schedules[model_id]

    def _get(self, model_id: str) -> ScheduleRecord:
        try:
            return self._schedules[model_id]
        except KeyError:
            raise ScheduleNotFoundError(f"model {model_id} has no schedule") from None
