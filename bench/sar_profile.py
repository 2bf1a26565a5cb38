"""Step-by-step time and memory of our SAR fit (the steps of recommender.training.fit, USER units).

Used by bench/sar_scale_worker.py --profile. It calls the library's own
functions in the order fit calls them and, around each step, reads the wall
time and the RSS high-water mark of the step (VmHWM reset just before it).
The similarity step is split into its per-block parts, summed over blocks.
The model it returns equals SARModel.fit's (same functions, same order).
"""

import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommender import SARModel
from recommender.affinity import affinity_matrix, event_affinities
from recommender.events import latest_timestamp
from recommender.parameters import CooccurrenceUnit
from recommender.similarity import SIMILARITY_FUNCTIONS, _row_blocks


def _kb(field: str) -> int:
    return int(re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE).group(1))


class Steps:
    """Collects (step, seconds, peak RSS MB during the step, RSS MB after it)."""

    def __init__(self):
        self.rows = []
        self.sums = {}

    def start(self):
        Path("/proc/self/clear_refs").write_text("5")
        self.started = time.perf_counter()

    def stop(self, name: str):
        self.rows.append({"step": name, "seconds": round(time.perf_counter() - self.started, 3),
                          "peak_mb": _kb("VmHWM") // 1024, "rss_after_mb": _kb("VmRSS") // 1024})

    def add(self, name: str, seconds: float, peak_kb: int):
        entry = self.sums.setdefault(name, {"step": name, "seconds": 0.0, "peak_mb": 0})
        entry["seconds"] = round(entry["seconds"] + seconds, 3)
        entry["peak_mb"] = max(entry["peak_mb"], peak_kb // 1024)


def profiled_fit(events: pd.DataFrame, params):
    assert params.cooccurrence_unit == CooccurrenceUnit.USER
    steps = Steps()
    steps.start()
    events = events[events["user_id"].notna() & events["item_id"].notna()]
    steps.stop("drop rows without ids")

    steps.start()
    item_codes, item_ids = pd.factorize(events["item_id"])
    user_codes, user_ids = pd.factorize(events["user_id"])
    timestamps = events["timestamp"].to_numpy(dtype=np.float64)
    n_items = len(item_ids)
    steps.stop("factorize users and items")

    steps.start()
    user_items = affinity_matrix(user_codes, item_codes, np.ones(len(item_codes)), (len(user_ids), n_items), binary=True)
    steps.stop("binary user x item matrix (coo -> csr)")

    steps.start()
    popularity = np.diff(user_items.tocsc().indptr)
    steps.stop("popularity (tocsc)")

    steps.start()
    item_units = user_items.T.tocsr()
    occurrences = np.diff(item_units.indptr).astype(np.float64)
    similarity_of = SIMILARITY_FUNCTIONS[params.similarity_function]
    ranges = list(_row_blocks(item_units, user_items))
    steps.stop(f"item x user transpose + block plan ({len(ranges)} blocks)")

    blocks, block_nnz = [], []
    steps.start()
    for start, stop in ranges:
        Path("/proc/self/clear_refs").write_text("5")
        t0 = time.perf_counter()
        counts = (item_units[start:stop] @ user_items).tocsr()
        t1 = time.perf_counter()
        steps.add("  block product item_units[rows] @ user_items", t1 - t0, _kb("VmHWM"))
        Path("/proc/self/clear_refs").write_text("5")
        counts.data[counts.data < params.support_threshold] = 0
        counts.eliminate_zeros()
        t2 = time.perf_counter()
        steps.add("  threshold + eliminate_zeros", t2 - t1, _kb("VmHWM"))
        Path("/proc/self/clear_refs").write_text("5")
        counts.sort_indices()
        t3 = time.perf_counter()
        steps.add("  sort_indices", t3 - t2, _kb("VmHWM"))
        Path("/proc/self/clear_refs").write_text("5")
        rows = start + np.repeat(np.arange(stop - start), np.diff(counts.indptr))
        counts.data = similarity_of(counts, rows, occurrences)
        steps.add("  similarity function (Jaccard)", time.perf_counter() - t3, _kb("VmHWM"))
        blocks.append(counts)
        block_nnz.append(counts.nnz)
    elapsed = time.perf_counter() - steps.started
    steps.rows.append({"step": "co-occurrence blocks (all)", "seconds": round(elapsed, 3),
                       "peak_mb": max(entry["peak_mb"] for entry in steps.sums.values()),
                       "rss_after_mb": _kb("VmRSS") // 1024})
    steps.rows += list(steps.sums.values())

    steps.start()
    similarity = sp.vstack(blocks, format="csr") if blocks else sp.csr_matrix((n_items, n_items))
    del blocks
    steps.stop("vstack of the blocks")

    reference_time = latest_timestamp(timestamps)
    user_affinity = None
    if params.enable_user_to_item:
        steps.start()
        contributions = event_affinities(timestamps, events["weight"].to_numpy(dtype=np.float64), reference_time, params)
        user_affinity = affinity_matrix(user_codes, item_codes, contributions, (len(user_ids), n_items),
                                        binary=not params.enable_user_affinity)
        steps.stop("user affinity matrix")
    model = SARModel(params=params, item_ids=np.asarray(item_ids, dtype=object), similarity=similarity,
                     popularity=popularity.astype(np.int64), reference_time=reference_time,
                     user_ids=np.asarray(user_ids, dtype=object) if user_affinity is not None else None,
                     user_affinity=user_affinity)
    profile = {"steps": steps.rows, "blocks": len(block_nnz), "max_block_nnz": max(block_nnz, default=0),
               "user_items_nnz": int(user_items.nnz)}
    return model, profile


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
