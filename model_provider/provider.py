"""Loads trained models for serving: the first cache level, model id -> Recommender."""
import logging
import threading
import time
from dataclasses import dataclass, fields
from typing import Callable, Optional

from cachetools import TTLCache

from config.settings import Settings
from recommender import ModelFormatError, ModelIdentityError, from_bytes

from .cache import SlidingCache
from .exceptions import ModelCorruptError, ModelIntegrityError, ModelProviderError
from .recommender import Recommender
from .store import ModelBlob

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


@dataclass(frozen=True)
class LoadLimits:
    """What a web process will read of a model blob, and how long it remembers a blob it could not read.

    Fields are named as the settings they come from."""

    model_max_blob_bytes: int = Settings.model_max_blob_bytes
    model_max_header_bytes: int = Settings.model_max_header_bytes
    model_failure_seconds: float = Settings.model_failure_seconds

    @classmethod
    def from_settings(cls, settings) -> "LoadLimits":
        """The limits the settings give."""
        return cls(**{spec.name: getattr(settings, spec.name) for spec in fields(cls)})


MAX_REMEMBERED_FAILURES = 1024
"""Failed loads remembered at once; each holds an error, not a blob."""


class ModelProvider:
    """Model id -> Recommender, each model loaded once however many requests ask for it at the same time.

    A blob that fails to load is remembered for `LoadLimits.model_failure_seconds` with its ETag: until then, or until
    the blob is written again, requests get the same error without a download or a parse.
    """

    def __init__(self, store, limits: CacheLimits = CacheLimits(), clock: Callable[[], float] = time.monotonic,
                 load_limits: LoadLimits = LoadLimits(), on_load: Optional[Callable[[float, int], None]] = None):
        self._store = store
        self._limits = limits
        self._load_limits = load_limits
        self._clock = clock
        self.cache = SlidingCache(max_entries=limits.max_models, max_bytes=limits.max_model_bytes,
                                  idle_seconds=limits.model_idle_seconds, size_of=lambda r: r.nbytes, clock=clock)
        self._locks_lock = threading.Lock()
        self._load_locks = {}
        self._failures = TTLCache(maxsize=MAX_REMEMBERED_FAILURES, ttl=load_limits.model_failure_seconds, timer=clock)
        self._failures_lock = threading.Lock()
        self._on_load = on_load  # (seconds, blob bytes) of each model loaded: the web app's metrics

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
        self._raise_remembered_failure(model_id)
        try:
            blob = self._store.load(model_id, self._load_limits.model_max_blob_bytes)
            model = self._parse(model_id, blob)
        except (ModelCorruptError, ModelIntegrityError) as error:
            logger.error("model %s: %s", model_id, error)
            with self._failures_lock:
                self._failures[model_id] = error
            raise
        seconds = time.perf_counter() - started
        logger.info("loaded model %s (%d items, %d bytes) in %.3f s", model_id, model.n_items, len(blob.data), seconds)
        if self._on_load is not None:
            self._on_load(seconds, len(blob.data))
        limits = self._limits
        return Recommender(model, max_answers=limits.max_answers, max_answer_bytes=limits.max_answer_bytes,
                           idle_seconds=limits.answer_idle_seconds, clock=self._clock)

    def _raise_remembered_failure(self, model_id: str) -> None:
        """Raise the error of the model's last load, when it is recent and its blob has not been written since."""
        with self._failures_lock:
            failure: ModelProviderError = self._failures.get(model_id)
        if failure is not None and self._store.etag(model_id) == failure.etag:
            raise type(failure)(str(failure), failure.etag)  # a new one: re-raising one object grows its traceback

    def _parse(self, model_id: str, blob: ModelBlob):
        """The blob's model. :raise ModelCorruptError: :raise ModelIntegrityError: the blob is another model's"""
        try:
            return from_bytes(blob.data, expected_model_id=model_id,
                              max_header_bytes=self._load_limits.model_max_header_bytes)
        except ModelIdentityError as error:
            raise ModelIntegrityError(f"integrity error: model {model_id}'s blob is another model's: {error}",
                                      blob.etag) from error
        except ModelFormatError as error:
            raise ModelCorruptError(f"model {model_id} cannot be read: {error}", blob.etag) from error
