"""Where a SAR fit spends its time and memory, and where scoring does.

Used by bench/sar_scale_worker.py --profile. profiled_fit listens to the
progress callback of the library's own fit, so it profiles exactly the code
the service runs: for each stage fit reports, the wall time and the RSS
high-water mark while it ran (VmHWM reset when the stage starts).
"""

import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

from recommender import EventBatch, fit, scoring


def _kb(field: str) -> int:
    return int(re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE).group(1))


class StageRecorder:
    """A fit progress callback that closes a row (stage, seconds, peak MB, RSS MB after) at each new stage."""

    def __init__(self):
        self.rows = []
        self._stage = None

    def __call__(self, stage: str, fraction: float):
        if stage != self._stage:
            self.close()
            self._stage, self._started = stage, time.perf_counter()
            Path("/proc/self/clear_refs").write_text("5")

    def close(self):
        if self._stage is not None:
            self.rows.append({"step": self._stage, "seconds": round(time.perf_counter() - self._started, 3),
                              "peak_mb": _kb("VmHWM") // 1024, "rss_after_mb": _kb("VmRSS") // 1024})
        self._stage = None


def profiled_fit(events: pd.DataFrame, params):
    recorder = StageRecorder()
    recorder("Reading the event table", 0.0)
    model = fit(events, params, progress=recorder)
    recorder.close()
    return model, {"steps": recorder.rows, "similarity_nnz": int(model.similarity.nnz)}


def _median_us(samples: list) -> float:
    return round(float(np.median(samples)) / 1e3, 1)


def scoring_breakdown(model, seeds: list, requests: list, top: int = 12) -> dict:
    """Median time of each part of recommend(events=...), plus a cProfile of recommend and of similar_items.

    `requests` are (item ids, timestamps, weights) columns, each made an EventBatch as the web app does.
    """
    import cProfile
    import io
    import pstats

    from recommender.ranking import top_k_dense

    parts = {"recommend: _seed_affinities (map ids, decay, sum)": [], "recommend: _score (weighted_row_sum)": [],
             "recommend: top_k_dense": []}
    batches = [EventBatch(*columns) for columns in requests]
    for events in batches:
        t0 = time.perf_counter_ns()
        seed_items, affinities = scoring._seed_affinities(model, None, events)
        t1 = time.perf_counter_ns()
        scores = scoring._score(model, seed_items, affinities)
        t2 = time.perf_counter_ns()
        top_k_dense(scores, 10)
        t3 = time.perf_counter_ns()
        parts["recommend: _seed_affinities (map ids, decay, sum)"].append(t1 - t0)
        parts["recommend: _score (weighted_row_sum)"].append(t2 - t1)
        parts["recommend: top_k_dense"].append(t3 - t2)
    profiles = {}
    for name, call, arguments in (("recommend", lambda events: scoring.recommend(model, events=events, k=10), batches),
                                  ("similar_items", lambda seed: scoring.similar_items(model, seed, k=10), seeds)):
        profiler = cProfile.Profile()
        profiler.enable()
        for argument in arguments[:500]:
            call(argument)
        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(top)
        profiles[name] = text.getvalue()
    return {"median_us": {name: _median_us(samples) for name, samples in parts.items()},
            "median_sizes": {"similarity row nnz": float(np.median(np.diff(model.similarity.indptr)))},
            "cprofile_tottime": profiles}
