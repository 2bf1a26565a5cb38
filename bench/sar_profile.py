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

from recommender import SARModel


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
    model = SARModel.fit(events, params, progress=recorder)
    recorder.close()
    return model, {"steps": recorder.rows, "similarity_nnz": int(model.similarity.nnz)}


def _median_us(samples: list) -> float:
    return round(float(np.median(samples)) / 1e3, 1)


def scoring_breakdown(model, seeds: list, requests: list, top: int = 12) -> dict:
    """Median time of each part of similar_items and recommend(events=...), plus a cProfile of recommend."""
    import cProfile
    import io
    import pstats

    parts = {"similar_items: row slice": [], "similar_items: _rank (filter, top_k, ids)": [],
             "recommend: _seed_affinities (map ids, decay, sum)": [], "recommend: _score (gather, bincount)": [],
             "recommend: _rank (filter, top_k, ids)": []}
    sizes = {"similar_items row nnz": [], "recommend gathered nnz": [], "recommend scored items": []}
    for seed in seeds:
        t0 = time.perf_counter_ns()
        index = model.item_index[seed]
        start, stop = model.similarity.indptr[index], model.similarity.indptr[index + 1]
        items = model.similarity.indices[start:stop].astype(np.int64)
        scores = model.similarity.data[start:stop]
        t1 = time.perf_counter_ns()
        model._rank(items, scores, np.array([index]), 10)
        t2 = time.perf_counter_ns()
        parts["similar_items: row slice"].append(t1 - t0)
        parts["similar_items: _rank (filter, top_k, ids)"].append(t2 - t1)
        sizes["similar_items row nnz"].append(stop - start)
    for events in requests:
        t0 = time.perf_counter_ns()
        seed_items, affinities = model._seed_affinities(None, events)
        t1 = time.perf_counter_ns()
        items, scores = model._score(seed_items, affinities)
        t2 = time.perf_counter_ns()
        model._rank(items, scores, seed_items, 10)
        t3 = time.perf_counter_ns()
        parts["recommend: _seed_affinities (map ids, decay, sum)"].append(t1 - t0)
        parts["recommend: _score (gather, bincount)"].append(t2 - t1)
        parts["recommend: _rank (filter, top_k, ids)"].append(t3 - t2)
        indptr = model.similarity.indptr
        sizes["recommend gathered nnz"].append(int((indptr[seed_items + 1] - indptr[seed_items]).sum()))
        sizes["recommend scored items"].append(items.size)
    profiler = cProfile.Profile()
    profiler.enable()
    for events in requests[:500]:
        model.recommend(events=events, k=10)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(top)
    return {"median_us": {name: _median_us(samples) for name, samples in parts.items()},
            "median_sizes": {name: float(np.median(values)) for name, values in sizes.items()},
            "cprofile_recommend_tottime": text.getvalue()}
