"""Batch scoring against sequential in-process recommend calls, on the synth model (issue 23).

    .venv/bin/python bench/batch_scale.py [--users 500000 --items 60000 --events 15000000]
                                          [--threshold 6] [--block 256] [--sample 10000]

Data: bench/synth.py's generator (seed 7), in memory; the model (user histories on, Jaccard, 30-day decay) is
trained once and kept in .cache/batch/. Then, in one run: `scoring.recommend(model, user_id=u, k=10)` for a
random sample of users, one call after another (users/s), and every user of the model through
`recommender.batch.recommend_block` plus the CSV formatting of the job's output parts (users/s and minutes);
the sample's answers are compared with the batch's, user for user, and the share of the sample the bounds
settle (recommender.pruned_scores; the others take the exact path) is counted apart, untimed.
"""
import argparse
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "bench")]

from recommender import ModelFormatError, SARParameters, fit, from_bytes, make_events, scoring, to_bytes  # noqa: E402
from recommender.batch import pruned_similarity, recommend_block  # noqa: E402
from recommender.pruned_scores import block_top_k  # noqa: E402
from webjob.batch_format import format_block  # noqa: E402

CACHE = REPO_ROOT / ".cache" / "batch"
SEED = 7
MODEL_ID = "batch-bench"
TARGET_SPEEDUP = 20.0
FULL_SIZE_GB = 12
"""Available memory the full size needs (data, fit peak, the model and a block); below it, say so and shrink."""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=500_000)
    parser.add_argument("--items", type=int, default=60_000)
    parser.add_argument("--events", type=int, default=15_000_000)
    parser.add_argument("--threshold", type=int, default=6, help="support threshold (the service's default: 6)")
    parser.add_argument("--block", type=int, default=256, help="users per block")
    parser.add_argument("--sample", type=int, default=10_000, help="users timed one call at a time")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--processes", type=int, default=1,
                        help="processes sharing the blocks (forked after the model is pruned), as Dask workers would")
    return parser.parse_args(argv)


def available_gb() -> float:
    with open("/proc/meminfo") as meminfo:
        fields = dict(line.split(":", 1) for line in meminfo)
    return int(fields["MemAvailable"].split()[0]) / 2**20


def load_model(args):
    """The trained model from the cache, or trained now (and cached; a cached blob of an older format too)."""
    path = CACHE / f"model_u{args.users}_i{args.items}_e{args.events}_t{args.threshold}_seed{SEED}.sar"
    if path.exists():
        try:
            return from_bytes(path.read_bytes(), expected_model_id=MODEL_ID)
        except ModelFormatError as error:
            print(f"retraining: the cached model is not readable ({error})", flush=True)
    from synth import generate

    started = time.perf_counter()
    users, items, timestamps = generate(args.users, args.items, args.events, 200, SEED)
    events = make_events([f"u{u}" for u in users.tolist()], [f"i{i}" for i in items.tolist()],
                         timestamps.astype(np.float64))
    del users, items, timestamps
    model = fit(events, SARParameters(support_threshold=args.threshold, enable_user_to_item=True))
    print(f"trained in {time.perf_counter() - started:.0f} s: {model.n_items} items, {len(model.user_ids)} users, "
          f"similarity nnz {model.similarity.nnz:,}", flush=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_bytes(model, MODEL_ID))
    return model


def time_sequential(model, sample: np.ndarray, k: int) -> tuple:
    answers = {}
    started = time.perf_counter()
    for row in sample.tolist():
        answers[row] = scoring.recommend(model, user_id=model.user_ids[row], k=k)
    return time.perf_counter() - started, answers


def time_batch(model, block_size: int, k: int, check: dict) -> tuple:
    """Seconds for every user (scoring and CSV formatting), bytes written, and mismatches with `check`."""
    n_users, written, mismatches = len(model.user_ids), 0, 0
    started = time.perf_counter()
    for start in range(0, n_users, block_size):
        block = recommend_block(model, np.arange(start, min(start + block_size, n_users)), k)
        written += len(format_block(model.user_ids, model.item_ids, block, "csv"))
        mismatches += compare(model, block, check)
    return time.perf_counter() - started, written, mismatches


_SHARED = {}
"""The model and the sample's answers, for forked processes (inherited, not pickled)."""


def time_batch_processes(model, block_size: int, k: int, check: dict, processes: int) -> tuple:
    """time_batch with the blocks split among `processes` forked processes, each a contiguous run of them;
    the pruning, done once before the fork, is timed too."""
    started = time.perf_counter()
    pruned_similarity(model)
    _SHARED.update(model=model, check=check)
    starts = np.arange(0, len(model.user_ids), block_size)
    runs = [(run[0], min(run[-1] + block_size, len(model.user_ids))) for run in np.array_split(starts, processes)
            if run.size]
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork")) as pool:
        results = list(pool.map(_score_run, *zip(*runs), [block_size] * len(runs), [k] * len(runs)))
    written, mismatches = (sum(values) for values in zip(*results))
    return time.perf_counter() - started, written, mismatches


def _score_run(start: int, stop: int, block_size: int, k: int) -> tuple:
    model, check, written, mismatches = _SHARED["model"], _SHARED["check"], 0, 0
    for at in range(start, stop, block_size):
        block = recommend_block(model, np.arange(at, min(at + block_size, stop)), k)
        written += len(format_block(model.user_ids, model.item_ids, block, "csv"))
        mismatches += compare(model, block, check)
    return written, mismatches


def compare(model, block, check: dict) -> int:
    """Users of the block in `check` whose batch answer differs from recommend's."""
    bounds = np.concatenate([[0], np.cumsum(block.counts)])
    differ = 0
    for position, row in enumerate(block.user_rows.tolist()):
        if row in check:
            at, stop = bounds[position], bounds[position + 1]
            got = list(zip(model.item_ids[block.item_indices[at:stop]].tolist(), block.scores[at:stop].tolist()))
            differ += got != [tuple(answer) for answer in check[row]]
    return differ


def main(argv=None) -> int:
    args = parse_args(argv)
    free = available_gb()
    print(f"available memory {free:.1f} GiB, {os.cpu_count()} cores", flush=True)
    if free < FULL_SIZE_GB and args.events >= 15_000_000:
        print(f"less than {FULL_SIZE_GB} GiB available: run a smaller size (--users, --items, --events)")
        return 2
    model = load_model(args)
    rng = np.random.default_rng(SEED)
    sample = rng.choice(len(model.user_ids), size=min(args.sample, len(model.user_ids)), replace=False)
    scoring.recommend(model, user_id=model.user_ids[0], k=args.k)  # warm the id indexes
    sequential_seconds, answers = time_sequential(model, sample, args.k)
    if args.processes > 1:
        batch_seconds, written, mismatches = time_batch_processes(model, args.block, args.k, answers,
                                                                  args.processes)
    else:
        batch_seconds, written, mismatches = time_batch(model, args.block, args.k, answers)
    sequential_rate, batch_rate = sample.size / sequential_seconds, len(model.user_ids) / batch_seconds
    speedup = batch_rate / sequential_rate
    print(f"| size | sequential recommend (users/s) | batch (users/s) | speedup | batch, all {len(model.user_ids):,} "
          f"users | CSV | sample equal |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {args.events:,} ev / {len(model.user_ids):,} users / {model.n_items:,} items, threshold "
          f"{args.threshold}, block {args.block}, {args.processes} process(es) | {sequential_rate:,.0f} ({sample.size:,} users) | {batch_rate:,.0f} | "
          f"{speedup:.1f}x (target >= {TARGET_SPEEDUP:.0f}x: {'PASS' if speedup >= TARGET_SPEEDUP else 'FAIL'}) | "
          f"{batch_seconds / 60:.1f} min | {written / 2**20:.0f} MiB | "
          f"{sample.size - mismatches:,} of {sample.size:,} |")
    print(f"settled by the bounds: {settled_share(model, sample, args.k):.2%} of the sample (the others: the "
          f"exact path)")
    return 0 if mismatches == 0 else 1


def settled_share(model, sample: np.ndarray, k: int) -> float:
    """Share of `sample` that recommend_block answers from the pruned rows, without the exact path."""
    pruned = pruned_similarity(model)
    if pruned is None:
        return 0.0
    return float(block_top_k(pruned, model.user_affinity[np.sort(sample)], k,
                             allow_seed_items=model.params.allow_seed_items).settled.mean())


if __name__ == "__main__":
    sys.exit(main())
