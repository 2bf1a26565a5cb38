"""Loads trained models for serving and keeps them in a bounded, sliding-expiry cache."""
import logging
import threading
import time
from typing import Callable

from cachetools import TTLCache

from recommender import ModelFormatError, SARModel, from_bytes

from .exceptions import ModelCorruptError

logger = logging.getLogger(__name__)


class SlidingTTLCache(TTLCache):
    """A TTLCache whose entries expire `ttl` after their last use, not after insertion."""

    def __getitem__(self, key):
        value = super().__getitem__(key)
        self[key] = value  # re-inserting restarts the entry's time to live
        return value


class ModelProvider:
    """Model id -> loaded SARModel, each loaded once however many requests ask at the same time."""

    def __init__(self, store, *, max_models: int, idle_seconds: float, clock: Callable[[], float] = time.monotonic):
        self._store = store
        self._cache = SlidingTTLCache(maxsize=max_models, ttl=idle_seconds, timer=clock)
        self._cache_lock = threading.Lock()
        self._load_locks = {}

    def get_model(self, model_id: str) -> SARModel:
        """The model, from cache or storage. :raise ModelBlobNotFoundError: :raise ModelCorruptError:"""
        model = self._cached(model_id)
        if model is not None:
            return model
        with self._load_lock(model_id):
            try:
                model = self._cached(model_id)  # loaded by another thread while we waited
                if model is None:
                    model = self._load(model_id)
                    with self._cache_lock:
                        self._cache[model_id] = model
                return model
            finally:
                with self._cache_lock:
                    self._load_locks.pop(model_id, None)  # waiters hold it already; keeps the dict small

    def forget(self, model_id: str) -> None:
        """Drop a model from the cache (it was deleted)."""
        with self._cache_lock:
            self._cache.pop(model_id, None)

    def _cached(self, model_id):
        with self._cache_lock:
            return self._cache.get(model_id)

    def _load_lock(self, model_id) -> threading.Lock:
        with self._cache_lock:
            return self._load_locks.setdefault(model_id, threading.Lock())

    def _load(self, model_id: str) -> SARModel:
        started = time.perf_counter()
        blob = self._store.load(model_id)
        try:
            model = from_bytes(blob)
        except ModelFormatError as error:
            logger.error("model %s is corrupt: %s", model_id, error)
            raise ModelCorruptError(f"model {model_id} cannot be read: {error}") from error
        logger.info("loaded model %s (%d items, %d bytes) in %.3f s", model_id, model.n_items, len(blob),
                    time.perf_counter() - started)
        return model
