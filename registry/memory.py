"""An in-memory ModelRegistry for unit tests: same contract as the Table adapter."""
import itertools
import threading
from dataclasses import replace
from typing import Optional

from .exceptions import ConcurrentUpdateError, ModelNotFoundError
from .paging import newest_first_page
from .records import ModelPage, ModelRecord


class InMemoryModelRegistry:
    """Thread-safe registry held in a dict; etags are a counter."""

    def __init__(self):
        self._records = {}
        self._default_id = None
        self._lock = threading.Lock()
        self._etags = itertools.count(1)

    def create(self, record: ModelRecord) -> ModelRecord:
        with self._lock:
            if record.id in self._records:
                raise ValueError(f"model {record.id} already exists")
            stored = replace(record, etag=str(next(self._etags)))
            self._records[record.id] = stored
            return stored

    def get(self, model_id: str) -> ModelRecord:
        with self._lock:
            return self._get(model_id)

    def list_page(self, page_size: int, continuation_token: Optional[str] = None) -> ModelPage:
        with self._lock:
            summaries = [record.summary() for record in self._records.values()]
        return newest_first_page(summaries, page_size, continuation_token)

    def update(self, record: ModelRecord, *, if_unchanged: bool = False) -> ModelRecord:
        with self._lock:
            current = self._get(record.id)
            if if_unchanged and current.etag != record.etag:
                raise ConcurrentUpdateError(f"model {record.id} changed since it was read")
            stored = replace(record, etag=str(next(self._etags)))
            self._records[record.id] = stored
            return stored

    def delete(self, model_id: str) -> None:
        with self._lock:
            self._get(model_id)
            del self._records[model_id]
            if self._default_id == model_id:
                self._default_id = None

    def get_default_id(self) -> Optional[str]:
        return self._default_id

    def set_default_id(self, model_id: str) -> None:
        self._default_id = model_id

    def set_default_if_none(self, model_id: str) -> bool:
        with self._lock:
            if self._default_id is not None:
                return False
            self._default_id = model_id
            return True

    def _get(self, model_id: str) -> ModelRecord:
        try:
            return self._records[model_id]
        except KeyError:
            raise ModelNotFoundError(f"model {model_id} does not exist") from None
