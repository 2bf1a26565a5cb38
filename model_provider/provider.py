"""Loads trained models for serving: the first cache level, model id -> Recommender."""
import logging
import threading
import time
from dataclasses import dataclass
from typing import Callable, Optional

from config.settings import Settings
from recommender import ModelFormatError, from_bytes

from .cache import SlidingCache
from .exceptions import ModelCorruptError
from .recommender import Recommender

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CacheLimits:
    """Bounds of both cache levels (per web process); idle times slide from each entry's last use.

    The defaults are the settings' own (a dataclass field's default is its class attribute), written once there.
    """

    max_models: int = Settings.model_cache_entries
    max_model_bytes: int = Settings.model_cache_bytes
    model_idle_seconds: float = Settings.model_cache_seconds
    max_answers: int = Settings.answer_cache_entries
    max_answer_bytes: int = Settings.answer_cache_bytes
    answer_idle_seconds: float = Settings.answer_cache_seconds

    @classmethod
    def from_settings(cls, settings) -> "CacheLimits":
        """The limits the settings give."""
        return cls(max_models=settings.model_cache_entries, max_model_bytes=settings.model_cache_bytes,
                   model_idle_seconds=settings.model_cache_seconds, max_answers=settings.answer_cache_entries,
                   max_answer_bytes=settings.answer_cache_bytes, answer_idle_seconds=settings.answer_cache_seconds)


class ModelProvider:
    """Model id -> Recommender, each model loaded once however many requests ask for it at the same time."""

    def __init__(self, store, limits: CacheLimits = CacheLimits(), clock: Callable[[], float] = time.monotonic,
                 on_load: Optional[Callable[[float, int], None]] = None):
        self._store = store
        self._limits = limits
        self._clock = clock
        self._on_load = on_load  # (seconds, blob bytes) of each model loaded: the web app's metrics
        self.cache = SlidingCache(max_entries=limits.max_models, max_bytes=limits.max_model_bytes,
                                  idle_seconds=limits.model_idle_seconds, size_of=lambda r: r.nbytes, clock=clock)
        self._locks_lock = threading.Lock()
        self._load_locks = {}

    def get(self, model_id: str) -> Recommender:
        """The model's Recommender, from cache or storage. :raise ModelBlobNotFoundError: :raise ModelCorruptError:"""
        recommender = self.cache.lookup(model_id)
        if recommender is not None:
            return recommender
        lock = self._load_lock(model_id)
        with lock:
            try:
                recommender = self.cache.lookup(model_id)  # loaded by another thread while we waited
                if recommender is None:
                    recommender = self._load(model_id)
                    if not self.cache.store(model_id, recommender):
                        logger.warning("model %s (%d bytes) is larger than the model cache; serving it uncached",
                                       model_id, recommender.nbytes)
                return recommender
            finally:
                with self._locks_lock:
                    if self._load_locks.get(model_id) is lock:  # not a newer one, made after an eviction
                        del self._load_locks[model_id]  # waiters hold it already; keeps the dict small

    def forget(self, model_id: str) -> None:
        """Drop a model from the cache (it was deleted)."""
        self.cache.discard(model_id)

    def _load_lock(self, model_id) -> threading.Lock:
        with self._locks_lock:
            return self._load_locks.setdefault(model_id, threading.Lock())

    def _load(self, model_id: str) -> Recommender:
        started = time.perf_counter()
        blob = self._store.load(model_id)
        try:
            model = from_bytes(blob)
        except ModelFormatError as error:
            logger.error("model %s is corrupt: %s", model_id, error)
            raise ModelCorruptError(f"model {model_id} cannot be read: {error}") from error
        seconds = time.perf_counter() - started
        logger.info("loaded model %s (%d items, %d bytes) in %.3f s", model_id, model.n_items, len(blob), seconds)
        if self._on_load is not None:
            self._on_load(seconds, len(blob))
        limits = self._limits
        return Recommender(model, max_answers=limits.max_answers, max_answer_bytes=limits.max_answer_bytes,
                           idle_seconds=limits.answer_idle_seconds, clock=self._clock)
