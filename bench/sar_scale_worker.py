"""One SAR fit (and optionally a scoring benchmark) in a process of its own.

bench/sar_scale.py starts this file as a child process, once per case and
engine, and reads the peak RSS of the child from the OS when it ends. It runs
under either interpreter: the project venv (engine "ours", numpy 2) or the
reference venv (engine "reference", microsoft recommenders 1.2.1, numpy 1.26),
so it imports neither SAR at module level.

    python bench/sar_scale_worker.py --csv FILE --engine ours|reference --threshold N --result OUT.json
        [--user-to-item] [--score N] [--profile]

The result file holds: rows, users, items, the fit's wall seconds, the RSS
after loading (baseline), the RSS high-water mark of the loading (load peak)
and of the fit alone (fit peak: VmHWM reset through /proc/self/clear_refs just
before the fit), and the scoring latencies when asked for.
"""

import argparse
import gc
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parent.parent
CSV_COLUMNS = ["userId", "itemId", "timestamp"]
CHUNK_ROWS = 2_000_000
"""Rows parsed at a time: the timestamp strings of one chunk are all that is alive at once."""
DECAY_DAYS = 30
SCORING_SEED = 0
SCORING_WARMUP = 50
USER_EVENTS = 20
"""Events per personalized request."""


def status_kb(field: str) -> int:
    """A Vm* field of /proc/self/status, in KiB."""
    match = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE)
    return int(match.group(1))


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); return whether it worked."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return status_kb("VmHWM") <= status_kb("VmRSS") + 1024


def load_csv(path: Path, user_column: str, item_column: str) -> pd.DataFrame:
    """The synth CSV (no header) as user, item (strings), timestamp (float seconds), weight 1.0."""
    parts = []
    for chunk in pd.read_csv(path, names=CSV_COLUMNS, header=None, chunksize=CHUNK_ROWS):
        seconds = pd.to_datetime(chunk["timestamp"], format="%Y-%m-%dT%H:%M:%S").to_numpy()
        parts.append(pd.DataFrame({
            user_column: chunk["userId"],
            item_column: chunk["itemId"],
            "timestamp": seconds.astype("datetime64[s]").astype(np.int64).astype(np.float64),
        }))
        del chunk, seconds
    frame = pd.concat(parts, ignore_index=True)
    frame["weight"] = 1.0
    return frame


def fit_ours(frame: pd.DataFrame, threshold: int, user_to_item: bool, profile: bool):
    sys.path.insert(0, str(REPO_ROOT))
    from recommender import SARParameters, SimilarityFunction, fit

    params = SARParameters(support_threshold=threshold, similarity_function=SimilarityFunction.JACCARD,
                           decay_period_days=DECAY_DAYS, enable_user_to_item=user_to_item)
    if profile:  # bench/ is on sys.path: it is this file's folder
        from sar_profile import profiled_fit

        return profiled_fit(frame, params)
    return fit(frame, params)


def fit_reference(frame: pd.DataFrame, threshold: int):
    from recommenders.models.sar import SAR

    model = SAR(col_user="userID", col_item="itemID", col_rating="weight", col_timestamp="timestamp",
                similarity_type="jaccard", time_decay_coefficient=DECAY_DAYS, timedecay_formula=True,
                threshold=threshold, normalize=False)
    model.fit(frame)
    return model


def describe_ours(model) -> dict:
    similarity = model.similarity
    return {"items": int(model.n_items), "similarity_nnz": int(similarity.nnz),
            "similarity_mb": round((similarity.data.nbytes + similarity.indices.nbytes
                                    + similarity.indptr.nbytes) / 2**20, 1)}


def describe_reference(model) -> dict:
    similarity = model.item_similarity
    nbytes = similarity.nbytes if isinstance(similarity, np.ndarray) else similarity.data.nbytes
    return {"items": int(model.n_items), "similarity_type": type(similarity).__name__,
            "similarity_mb": round(nbytes / 2**20, 1)}


def percentiles(samples_ns: list) -> dict:
    micros = np.asarray(samples_ns, dtype=np.float64) / 1e3
    return {"n": int(micros.size), "median_us": round(float(np.median(micros)), 1),
            "p99_us": round(float(np.percentile(micros, 99)), 1), "mean_us": round(float(micros.mean()), 1),
            "max_us": round(float(micros.max()), 1)}


def score_ours(model, frame: pd.DataFrame, n: int, profile: bool = False) -> dict:
    """Latency of similar_items(k=10) and recommend(events of 20, k=10), one call at a time, in process."""
    from recommender import EventBatch
    from recommender.scoring import recommend, similar_items

    rng = np.random.default_rng(SCORING_SEED)
    seeds = rng.choice(np.asarray(model.item_ids, dtype=object), size=n, replace=True).tolist()

    counts = frame["user_id"].value_counts()
    eligible = counts.index[counts.to_numpy() >= USER_EVENTS].to_numpy(dtype=object)
    users = set(rng.choice(eligible, size=min(n, eligible.size), replace=False).tolist())
    chosen = frame[frame["user_id"].isin(users)]
    requests = []
    for _, history in chosen.groupby("user_id", sort=False):
        latest = history.sort_values("timestamp").tail(USER_EVENTS)
        # The columns as lists, the form the web app reads a request's events in (timed: it builds the batch).
        requests.append((tuple(latest["item_id"].tolist()), latest["timestamp"].tolist(), latest["weight"].tolist()))

    def timed(call, arguments):
        for argument in arguments[:SCORING_WARMUP]:
            call(argument)
        samples = []
        for argument in arguments:
            started = time.perf_counter_ns()
            result = call(argument)
            samples.append(time.perf_counter_ns() - started)
            assert len(result) == 10
        return samples

    item_samples = timed(lambda seed: similar_items(model, seed, k=10), seeds)
    user_samples = timed(lambda columns: recommend(model, events=EventBatch(*columns), k=10), requests)
    figures = {"item_to_item": percentiles(item_samples), "personalized": percentiles(user_samples),
               "events_per_request": USER_EVENTS}
    if profile:
        from sar_profile import scoring_breakdown

        figures["breakdown"] = scoring_breakdown(model, seeds, requests)
    return figures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, required=True)
    parser.add_argument("--engine", choices=["ours", "reference"], required=True)
    parser.add_argument("--threshold", type=int, default=1)
    parser.add_argument("--user-to-item", action="store_true", help="ours: also build the user affinity matrix")
    parser.add_argument("--score", type=int, default=0, help="ours: time this many item and user requests")
    parser.add_argument("--profile", action="store_true", help="ours: time and measure each fit step")
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)

    ours = args.engine == "ours"
    frame = load_csv(args.csv, "user_id" if ours else "userID", "item_id" if ours else "itemID")
    gc.collect()
    result = {"engine": args.engine, "threshold": args.threshold, "user_to_item": args.user_to_item,
              "rows": len(frame), "numpy": np.__version__, "pandas": pd.__version__,
              "baseline_kb": status_kb("VmRSS"), "load_peak_kb": status_kb("VmHWM")}
    result["fit_peak_measured"] = reset_peak_rss()

    started = time.perf_counter()
    model = (fit_ours(frame, args.threshold, args.user_to_item, args.profile) if ours
             else fit_reference(frame, args.threshold))
    result["fit_seconds"] = time.perf_counter() - started
    result["fit_peak_kb"] = status_kb("VmHWM")
    result["after_fit_kb"] = status_kb("VmRSS")
    if ours and args.profile:
        model, result["profile"] = model
    result.update(describe_ours(model) if ours else describe_reference(model))
    if ours and args.score:
        result["scoring"] = score_ours(model, frame, args.score, args.profile)
    args.result.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
