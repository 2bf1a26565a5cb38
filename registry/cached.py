"""The serving path's view of the registry: Completed records and the default id, cached briefly.

A recommend request would otherwise read the Table on every call. Each web
process keeps what it read for `ttl_seconds`, so a deleted model (or a new
default) takes effect in every process within that time. Records that are
not Completed are never cached: their requests fail anyway, and a model that
completes is served at once.
"""
import threading
import time
from typing import Callable, Optional

from cachetools import TTLCache

from .records import ModelRecord, ModelStatus

DEFAULT_KEY = object()
"""Cache key of the default model id (no model id can equal it)."""


class CachedRecordReader:
    """get() and get_default_id() of a ModelRegistry, answered from a short-lived cache."""

    def __init__(self, registry, ttl_seconds: float, max_entries: int = 4096,
                 clock: Callable[[], float] = time.monotonic):
        self._registry = registry
        self._cache = TTLCache(maxsize=max_entries, ttl=ttl_seconds, timer=clock)
        self._lock = threading.Lock()

    def get(self, model_id: str) -> ModelRecord:
        """The record of a model. :raise ModelNotFoundError:"""
        record = self._cached(model_id)
        if record is None:
            record = self._registry.get(model_id)
            if record.status == ModelStatus.COMPLETED:
                self._keep(model_id, record)
        return record

    def get_default_id(self) -> Optional[str]:
        """Id of the default model, or None."""
        default = self._cached(DEFAULT_KEY)
        if default is None:
            default = (self._registry.get_default_id(),)  # a tuple, so that "no default" is cached too
            self._keep(DEFAULT_KEY, default)
        return default[0]

    def forget(self, model_id: str) -> None:
        """Drop what this process knows of a model and of the default (the model was deleted here)."""
        with self._lock:
            self._cache.pop(model_id, None)
            self._cache.pop(DEFAULT_KEY, None)

    def forget_default(self) -> None:
        """Drop the cached default id (a new default was set here)."""
        with self._lock:
            self._cache.pop(DEFAULT_KEY, None)

    def _cached(self, key):
        with self._lock:
            return self._cache.get(key)

    def _keep(self, key, value):
        with self._lock:
            self._cache[key] = value
