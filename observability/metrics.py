"""The service's Prometheus metrics (docs/operations.md lists them) and how a scrape reads them.

In gunicorn every worker process counts in files of its own (multiprocess mode, set up by
gunicorn.conf.py through observability/metrics_multiprocess.py) and the master's ops port adds them up;
`python -m webjob` is one process and serves its own.
"""
import logging
import math
import os
import threading
import time
import weakref
from typing import Callable, Mapping, Optional

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from .metrics_multiprocess import ENV_VAR

logger = logging.getLogger(__name__)

# Every label's values are a set the code bounds (observability/labels.py), never the client's words: a route
# template, a known HTTP method or "other", a status the app set. An id in a label would grow without end.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5,
                   1.0, 2.5, float("inf"))
"""Seconds: most answers take 1-5 ms, so the buckets resolve 0.5 ms to 1 s (the default's smallest is 5 ms)."""

# The web app.
HTTP_REQUESTS = Counter("recsvc_http_requests", "HTTP requests answered", ["route", "method", "status"])
HTTP_REQUEST_DURATION = Histogram("recsvc_http_request_duration_seconds", "Time to answer an HTTP request",
                                  ["route", "method", "status"], buckets=LATENCY_BUCKETS)
RECOMMENDATIONS_SERVED = Counter("recsvc_recommendations_served", "Recommendation requests answered with a list, "
                                 "by route kind, strategy and model (default, a listed id, or other)",
                                 ["kind", "strategy", "model"])
RECOMMENDED_ITEMS = Counter("recsvc_recommended_items", "Answer slots filled, by source: the model's scores or "
                            "backfill (popular items)", ["source"])
EMPTY_ANSWERS = Counter("recsvc_empty_answers", "Recommendation answers with no item", ["kind"])
UNKNOWN_IDS = Counter("recsvc_unknown_ids", "Requests that asked about an item or user the model does not know",
                      ["subject"])
MODEL_LOAD_DURATION = Histogram("recsvc_model_load_seconds", "Time to download and read a model for serving",
                                buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, float("inf")))
MODEL_LOAD_BYTES = Histogram("recsvc_model_load_bytes", "Size of the model blobs loaded for serving",
                             buckets=tuple(2.0 ** power for power in range(16, 36, 2)) + (float("inf"),))
CACHE_HITS = Counter("recsvc_cache_hits", "Cache lookups that found an entry", ["level"])
CACHE_MISSES = Counter("recsvc_cache_misses", "Cache lookups that found nothing", ["level"])
CACHE_EVICTIONS = Counter("recsvc_cache_evictions", "Cache entries dropped to stay within the cache's bounds",
                          ["level"])
CACHE_ENTRIES = Gauge("recsvc_cache_entries", "Entries in the caches of the live web processes", ["level"],
                      multiprocess_mode="livesum")
LOADED_MODEL_BYTES = Gauge("recsvc_loaded_model_bytes", "Approximate memory of the models the live web processes "
                           "hold", multiprocess_mode="livesum")

# The worker.
TRAININGS = Counter("recsvc_trainings", "Trainings that ended, by outcome (completed or failed)", ["outcome"])
TRAINING_DURATION = Histogram("recsvc_training_duration_seconds", "Duration of a completed training's stages",
                              ["stage"], buckets=(0.1, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200,
                                                  14400, 28800, float("inf")))
EVENTS_PARSED = Counter("recsvc_training_events_parsed", "Usage lines read into events by trainings that ended")
BAD_LINES = Counter("recsvc_training_bad_lines", "Usage and catalog lines trainings skipped, by reason", ["reason"])

MODEL_CACHE, ANSWER_CACHE = "models", "answers"
"""The `level` label of the cache metrics: loaded models (level 1), item-to-item answers (level 2)."""
STORAGE_GAUGES_SECONDS = 15.0
"""How long a scrape reuses the model counts and queue depths it read from storage."""


def observe_model_load(seconds: float, blob_bytes: int) -> None:
    """A ModelProvider's on_load: how long a model took to load for serving, and its blob's size."""
    MODEL_LOAD_DURATION.observe(seconds)
    MODEL_LOAD_BYTES.observe(blob_bytes)


def scrape_registry() -> CollectorRegistry:
    """What the ops port serves: the sum over all processes in multiprocess mode, else this process's metrics."""
    if os.environ.get(ENV_VAR):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return registry
    return REGISTRY


class CacheMetrics:
    """Publishes the hits, misses and evictions of a ModelProvider's two cache levels as Prometheus counters.

    The caches count in plain integers (model_provider/cache.py); publish() adds what changed since its
    previous call, so that every gunicorn process's counts reach the files a scrape adds up. Level 2 is
    the answer cache of each loaded model; a model's cache that left level 1 takes its counts since the
    last publish with it, which publishing often keeps small. Called after every request, it publishes at
    most once per `min_interval` seconds (CACHE_METRICS_SECONDS): the sums cost more than a cached answer.
    """

    def __init__(self, provider, min_interval: float = 0.0, clock=time.monotonic):
        self._cache = getattr(provider, "cache", None)  # None for a provider without caches (a test's fake)
        self._min_interval, self._clock = min_interval, clock
        self._next_publish = -math.inf
        self._seen = {}  # id(cache) -> (weak reference, (hits, misses, evictions)) at the last publish
        self._lock = threading.Lock()
        for counter in (CACHE_HITS, CACHE_MISSES, CACHE_EVICTIONS):
            for level in (MODEL_CACHE, ANSWER_CACHE):
                counter.labels(level)  # every series exists from the start, at 0

    def publish(self, force: bool = False) -> None:
        """Add the counts since the last publish to the counters, and set the entry gauges; nothing when the
        last publish was less than `min_interval` seconds ago, unless `force` (a worker about to exit)."""
        if self._cache is None or (self._clock() < self._next_publish and not force):
            return
        self._next_publish = self._clock() + self._min_interval
        recommenders = self._cache.values_now()
        caches = [(MODEL_CACHE, self._cache)] + [(ANSWER_CACHE, r.answers) for r in recommenders]
        with self._lock:
            seen = {}
            for level, cache in caches:
                counts = (cache.hits, cache.misses, cache.evictions)
                reference, before = self._seen.get(id(cache), (None, (0, 0, 0)))
                if reference is None or reference() is not cache:
                    before = (0, 0, 0)  # a cache first seen now (an id can be reused once a cache is gone)
                for counter, now, then in zip((CACHE_HITS, CACHE_MISSES, CACHE_EVICTIONS), counts, before, strict=True):
                    if now > then:
                        counter.labels(level).inc(now - then)
                seen[id(cache)] = (weakref.ref(cache), counts)
            self._seen = seen
        CACHE_ENTRIES.labels(MODEL_CACHE).set(len(recommenders))
        CACHE_ENTRIES.labels(ANSWER_CACHE).set(sum(len(r.answers) for r in recommenders))
        LOADED_MODEL_BYTES.set(sum(r.nbytes for r in recommenders))


class StorageGauges:
    """A collector of what only storage knows: models by status, and each queue's waiting messages.

    count_models() -> {status: count} (None: not exported, as on the worker); queue_depths() -> {queue name:
    (approximate count, age in seconds of the oldest visible message or None)}. Both are read at most every
    `ttl_seconds`, so that frequent scrapes do not read storage each time. `recsvc_storage_up` is 0 while
    storage cannot be read (the others are then left out).
    """

    def __init__(self, count_models: Optional[Callable[[], Mapping[str, int]]],
                 queue_depths: Callable[[], Mapping[str, tuple]], ttl_seconds: float = STORAGE_GAUGES_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self._count_models, self._queue_depths = count_models, queue_depths
        self._ttl, self._clock = ttl_seconds, clock
        self._read_at, self._values = None, None
        self._lock = threading.Lock()

    def describe(self):
        return []  # registering must not read storage; collect() names the metrics

    def collect(self):
        models, queues = self._read()
        up = GaugeMetricFamily("recsvc_storage_up", "1 when the last read of the registry and queues succeeded")
        up.add_metric([], 0 if queues is None else 1)
        yield up
        if queues is None:
            return
        if models is not None:
            by_status = GaugeMetricFamily("recsvc_models", "Models in the registry, by status", labels=["status"])
            for status, count in sorted(models.items()):
                by_status.add_metric([status], count)
            yield by_status
        depth = GaugeMetricFamily("recsvc_queue_messages", "Approximate number of messages waiting in a queue",
                                  labels=["queue"])
        age = GaugeMetricFamily("recsvc_queue_oldest_message_age_seconds", "Age of the oldest visible message in "
                                "a queue (0 when none is visible)", labels=["queue"])
        for queue, (count, oldest_age) in sorted(queues.items()):
            depth.add_metric([queue], count)
            age.add_metric([queue], oldest_age or 0.0)
        yield depth
        yield age

    def _read(self) -> tuple:
        with self._lock:
            now = self._clock()
            if self._read_at is None or now - self._read_at >= self._ttl:
                try:
                    models = None if self._count_models is None else dict(self._count_models())
                    self._values = (models, dict(self._queue_depths()))
                except Exception as error:  # noqa: BLE001 - a scrape must answer; the gauge says storage is down
                    logger.warning("metrics: storage not readable (%s)", type(error).__name__)
                    self._values = (None, None)
                self._read_at = now
            return self._values
