"""A small summary of the web app's own metrics, for the dashboard's operations view: running totals the page
turns into rates and percentiles between two reads (as Prometheus's rate() and histogram_quantile() do).

In gunicorn it reads every process's metric files (the same sum the ops port serves), at most once per
`ttl_seconds` per process: a page polling every few seconds costs one read of those files.
"""
import logging
import threading
import time
from typing import Callable, Optional

from .metrics import ANSWER_CACHE, MODEL_CACHE, STORAGE_GAUGES_SECONDS, scrape_registry

logger = logging.getLogger(__name__)

SUMMARY_SECONDS = 2.0
"""How long a web process reuses the summary it read."""
UNMATCHED_ROUTE = "unmatched"
"""The route label of requests no route matched: scanners' noise, left out of the latency summary."""


def summarise(samples) -> dict:
    """The summary of an iterable of prometheus_client Samples (a scrape's, summed over processes)."""
    requests, errors, client_errors = 0.0, 0.0, 0.0
    buckets, cache = {}, {level: {"hits": 0.0, "misses": 0.0} for level in (MODEL_CACHE, ANSWER_CACHE)}
    items = {"model": 0.0, "backfill": 0.0}
    empty = 0.0
    for sample in samples:
        name, labels, value = sample.name, sample.labels, sample.value
        if name == "recsvc_http_requests_total":
            requests += value
            status = labels.get("status", "")
            errors += value if status.startswith("5") else 0.0
            client_errors += value if status.startswith("4") else 0.0
        elif name == "recsvc_http_request_duration_seconds_bucket" and labels.get("route") != UNMATCHED_ROUTE:
            bound = float(labels["le"])
            buckets[bound] = buckets.get(bound, 0.0) + value
        elif name in ("recsvc_cache_hits_total", "recsvc_cache_misses_total") and labels.get("level") in cache:
            cache[labels["level"]][name[len("recsvc_cache_"):-len("_total")]] += value
        elif name == "recsvc_recommended_items_total" and labels.get("source") in items:
            items[labels["source"]] += value
        elif name == "recsvc_empty_answers_total":
            empty += value
    return {"requests": {"total": requests, "serverErrors": errors, "clientErrors": client_errors},
            "latencyBuckets": [[_bound(bound), count] for bound, count in sorted(buckets.items())],
            "cache": cache, "answers": {"items": items["model"] + items["backfill"], "backfilled": items["backfill"],
                                        "empty": empty}}


def _bound(bound: float):
    return "+Inf" if bound == float("inf") else bound  # JSON has no infinity


class MetricsSummary:
    """summarise() of this service's metrics (every gunicorn process's) with the time it was read, and the models
    by status (count_models(), read at most every `models_ttl_seconds`; None while storage cannot be read)."""

    def __init__(self, count_models: Callable[[], dict], ttl_seconds: float = SUMMARY_SECONDS,
                 models_ttl_seconds: float = STORAGE_GAUGES_SECONDS, clock: Callable[[], float] = time.monotonic,
                 read_samples: Optional[Callable[[], list]] = None):
        self._count_models, self._read_samples = count_models, read_samples or _read_samples
        self._ttl, self._models_ttl, self._clock = ttl_seconds, models_ttl_seconds, clock
        self._lock = threading.Lock()
        self._read_at, self._summary, self._models_read_at, self._models = None, None, None, None

    def current(self) -> dict:
        """The summary, read now or at most `ttl_seconds` ago; `time` is when (Unix seconds)."""
        with self._lock:
            now = self._clock()
            if self._models_read_at is None or now - self._models_read_at >= self._models_ttl:
                self._models, self._models_read_at = self._read_models(), now
            if self._read_at is None or now - self._read_at >= self._ttl:
                self._summary = {"time": time.time(), **summarise(self._read_samples())}
                self._read_at = now
            return {**self._summary, "models": self._models}

    def _read_models(self) -> Optional[dict]:
        try:
            return dict(self._count_models())
        except Exception as error:  # noqa: BLE001 - the page shows the metrics without the models
            logger.warning("operations summary: models not readable (%s)", type(error).__name__)
            return None


def _read_samples() -> list:
    return [sample for family in scrape_registry().collect() for sample in family.samples]
