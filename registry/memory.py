"""An in-memory ModelRegistry for unit tests: same contract as the Table adapter."""
import itertools
import threading
from dataclasses import replace
from datetime import datetime, timezone
from typing import Optional

from .exceptions import ConcurrentUpdateError, ModelNotFoundError
from .paging import newest_first_page
from .records import ModelPage, ModelRecord, ModelStatus

DELETING_MESSAGE = "Deleting: a worker removes its blobs"


class InMemoryModelRegistry:
    """Thread-safe registry held in a dict; etags are a counter. One lock makes every method atomic."""

    def __init__(self, clock=lambda: datetime.now(timezone.utc)):
        self._records = {}
        self._default_id = None
        self._lock = threading.Lock()
        self._etags = itertools.count(1)
        self._clock = clock

    def create(self, record: ModelRecord) -> ModelRecord:
        with self._lock:
            if record.id in self._records:
                raise ValueError(f"model {record.id} already exists")
            return self._store(record)

    def get(self, model_id: str) -> ModelRecord:
        with self._lock:
            return self._get(model_id)

    def list_page(self, page_size: int, continuation_token: Optional[str] = None) -> ModelPage:
        with self._lock:
            summaries = [record.summary() for record in self._records.values()
                         if record.status != ModelStatus.DELETING]
        return newest_first_page(summaries, page_size, continuation_token)

    def update(self, record: ModelRecord, *, if_unchanged: bool = False) -> ModelRecord:
        with self._lock:
            current = self._get(record.id)
            if if_unchanged and current.etag != record.etag:
                raise ConcurrentUpdateError(f"model {record.id} changed since it was read")
            return self._store(record)

    def delete(self, model_id: str) -> None:
        with self._lock:
            self._store(self._get(model_id).with_status(ModelStatus.DELETING, DELETING_MESSAGE))
            if self._default_id == model_id:
                self._default_id = None

    def purge(self, model_id: str) -> bool:
        with self._lock:
            record = self._records.get(model_id)
            if record is None or record.status != ModelStatus.DELETING:
                return False
            del self._records[model_id]
            return True

    def all_records(self) -> list:
        with self._lock:
            return list(self._records.values())

    def get_default_id(self) -> Optional[str]:
        return self._default_id

    def set_default_id(self, model_id: str) -> None:
        with self._lock:
            if not self._exists(model_id):
                raise ModelNotFoundError(f"model {model_id} does not exist")
            self._default_id = model_id

    def set_default_if_none(self, model_id: str) -> bool:
        with self._lock:
            if self._exists(self._default_id) or not self._exists(model_id):
                return False
            self._default_id = model_id
            return True

    def _exists(self, model_id: Optional[str]) -> bool:
        record = self._records.get(model_id)
        return record is not None and record.status != ModelStatus.DELETING

    def _store(self, record: ModelRecord) -> ModelRecord:
        stored = replace(record, etag=str(next(self._etags)), updated_time=self._clock())
        self._records[record.id] = stored
        return stored

    def _get(self, model_id: str) -> ModelRecord:
        record = self._records.get(model_id)
        if record is None or record.status == ModelStatus.DELETING:
            raise ModelNotFoundError(f"model {model_id} does not exist")
        return record
