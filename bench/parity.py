"""Parity of our SAR with microsoft/recommenders 1.2.1 SAR on MovieLens 100k.

Run in the reference venv (bash bench/setup_reference_env.sh):

    .bench/reference-venv/bin/python bench/parity.py [--similarity jaccard|lift|cooccurrence|all] [--distributed]

One stratified split (the reference splitter, ratio 0.75, seed 42, rows in file
order); both models fit the same train frame; both recommend the top 10 unseen
items for every test user; the reference's python_evaluation scores both.

Ties: the reference breaks top-k ties arbitrarily (np.argpartition, so the
result depends on numpy's build and the CPU: its Lift figures move with them).
So two lists also count as equal when they differ only in the order inside a
group of tied scores, or in which members of the tied group at the cut made
it in. The metrics are shown twice: as each model returned its lists ("raw"),
and after both full rankings were put in one canonical order (ties by item id),
which takes tie-breaking out. Exit status 1 when any list differs, when a
canonical metric differs at 4 decimals, or when a raw metric does while some
list differs beyond ties; 0 otherwise.

With --distributed, ours trains on a Dask LocalCluster of 2 single-threaded
workers (distributed_sar), from the train frame cut into DISTRIBUTED_PARTS
tables in row order: the same comparison, through the cluster path.
"""

import argparse
import contextlib
import logging
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recommenders.datasets.python_splitters import python_stratified_split  # noqa: E402
from recommenders.evaluation import python_evaluation  # noqa: E402
from recommenders.models.sar import SAR  # noqa: E402

from devtools.movielens import load_ratings  # noqa: E402
from recommender import SARModel, SARParameters, SimilarityFunction, fit  # noqa: E402
from recommender.scoring import recommend_for_users  # noqa: E402

logger = logging.getLogger(__name__)

TOP_K = 10
DISTRIBUTED_PARTS = 4
SEED = 42
TIE_TOLERANCE = 1e-9
"""Scores within 1e-9 (relative to the score, for scores above 1) count as tied."""
METRIC_TOLERANCE = 0.5e-4
"""A metric 'differs at 4 decimals' when the two values are this far apart."""
METRICS = ("ndcg_at_k", "precision_at_k", "recall_at_k", "map_at_k", "map")
SIMILARITIES = {
    "jaccard": SimilarityFunction.JACCARD,
    "lift": SimilarityFunction.LIFT,
    "cooccurrence": SimilarityFunction.COOCCURRENCE,
}
COLUMNS = {"col_user": "userID", "col_item": "itemID"}


def tied(a: float, b: float) -> bool:
    """Whether two scores count as tied."""
    return abs(a - b) <= TIE_TOLERANCE * max(1.0, abs(a), abs(b))


def fit_reference(train: pd.DataFrame, similarity: str) -> SAR:
    """Fit microsoft/recommenders' SAR with the quick-start notebook's settings."""
    model = SAR(**COLUMNS, col_rating="rating", col_timestamp="timestamp", similarity_type=similarity,
                time_decay_coefficient=30, timedecay_formula=True, normalize=False)
    model.fit(train)
    return model


def fit_ours(train: pd.DataFrame, similarity: str, client=None) -> SARModel:
    """Fit our SAR on the same frame with the parameters that mirror the reference (on the cluster of `client`)."""
    events = pd.DataFrame({
        "user_id": train["userID"].astype(str).to_numpy(),
        "item_id": train["itemID"].astype(str).to_numpy(),
        "timestamp": train["timestamp"].to_numpy(dtype=float),
        "weight": train["rating"].to_numpy(dtype=float),
    })
    params = SARParameters(support_threshold=1, similarity_function=SIMILARITIES[similarity],
                           decay_period_days=30, enable_user_affinity=True, enable_user_to_item=True,
                           allow_seed_items=False, enable_backfilling=False)
    if client is None:
        return fit(events, params)
    from distributed_sar import load_event_frames

    bounds = np.linspace(0, len(events), DISTRIBUTED_PARTS + 1).astype(int)
    usage = load_event_frames(client, [events.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:])])
    try:
        return usage.fit(params)
    finally:
        usage.release()


def reference_rankings(model: SAR, test: pd.DataFrame, users: list) -> tuple:
    """Return the reference's top-k lists and its full rankings (seen items removed), per user."""
    frame = model.recommend_k_items(test, top_k=TOP_K, remove_seen=True)
    top = {user: [] for user in users}
    for user, item, score in zip(frame["userID"], frame["itemID"], frame["prediction"]):
        top[user].append((item, float(score)))
    scores = np.asarray(model.score(test, remove_seen=True))  # rows in test["userID"].unique() order
    full = {}
    for row, user in enumerate(test["userID"].unique()):
        kept = np.flatnonzero(np.isfinite(scores[row]))
        full[user] = [(model.index2item[i], float(scores[row, i])) for i in kept]
    return top, full


def our_rankings(model: SARModel, users: list, n_items: int) -> tuple:
    """Return our top-k lists and our full rankings, per user."""
    top = recommend_for_users(model, users, k=TOP_K)
    full = recommend_for_users(model, users, k=n_items)
    return ({u: _as_pairs(r) for u, r in zip(users, top)}, {u: _as_pairs(r) for u, r in zip(users, full)})


def _as_pairs(recommendations) -> list:
    return [(str(item), float(score)) for item, score in recommendations]


def tie_groups(ranked: list) -> list:
    """Split a best-first list of (item, score) into runs of tied scores: [(score, [items])]."""
    groups = []
    for item, score in ranked:
        if groups and tied(groups[-1][0], score):
            groups[-1][1].append(item)
        else:
            groups.append((score, [item]))
    return groups


def compare_lists(ref: list, ours: list) -> str:
    """Classify two best-first lists as 'identical', 'tie-equivalent' or 'different'."""
    if [item for item, _ in ref] == [item for item, _ in ours]:
        return "identical"
    if len(ref) != len(ours) or not all(tied(a, b) for (_, a), (_, b) in zip(ref, ours)):
        return "different"
    ref_groups, our_groups = tie_groups(ref), tie_groups(ours)
    if [len(g) for _, g in ref_groups] != [len(g) for _, g in our_groups]:
        return "different"
    at_cut = len(ref) == TOP_K  # a shorter list has no cut: all of its groups are complete
    for index, ((_, ref_items), (_, our_items)) in enumerate(zip(ref_groups, our_groups)):
        last = index == len(ref_groups) - 1
        if set(ref_items) != set(our_items) and not (last and at_cut):
            return "different"
    return "tie-equivalent"


def canonical_top(full: list) -> list:
    """Return the top k of a full ranking with every tied group ordered by item id."""
    ordered = sorted(full, key=lambda pair: -pair[1])
    result = []
    for score, items in tie_groups(ordered):
        result += [(item, score) for item in sorted(items)]
        if len(result) >= TOP_K:
            break
    return result[:TOP_K]


def to_frame(lists: dict) -> pd.DataFrame:
    """Turn {user: [(item, score)]} into the frame python_evaluation expects."""
    rows = [(user, item, score) for user, ranked in lists.items() for item, score in ranked]
    return pd.DataFrame(rows, columns=["userID", "itemID", "prediction"])


def evaluate(test: pd.DataFrame, lists: dict) -> dict:
    """Score top-k lists with the reference's python_evaluation (relevancy top_k, k=10)."""
    top = to_frame(lists)
    return {name: getattr(python_evaluation, name)(test, top, **COLUMNS, col_rating="rating",
                                                   col_prediction="prediction", relevancy_method="top_k",
                                                   k=TOP_K)
            for name in METRICS}


def max_score_diff(ref: dict, ours: dict) -> float:
    """Largest |score difference| over items that both top-k lists of a user hold."""
    worst = 0.0
    for user, ranked in ref.items():
        our_scores = dict(ours.get(user, []))
        for item, score in ranked:
            if item in our_scores:
                worst = max(worst, abs(score - our_scores[item]))
    return worst


def print_metrics(title: str, ref: dict, ours: dict) -> int:
    """Print one side-by-side metric table; return how many metrics differ at 4 decimals."""
    print(f"  {title:<16}{'reference':>12}{'ours':>12}{'|diff|':>12}")
    differing = 0
    for name in METRICS:
        diff = abs(ref[name] - ours[name])
        differing += diff > METRIC_TOLERANCE
        flag = "  <-- differs" if diff > METRIC_TOLERANCE else ""
        print(f"  {name:<16}{ref[name]:>12.6f}{ours[name]:>12.6f}{diff:>12.2e}{flag}")
    return differing


def run_one(similarity: str, train: pd.DataFrame, test: pd.DataFrame, client=None) -> bool:
    """Fit, recommend and compare one similarity function; return whether parity holds."""
    users = list(test["userID"].unique())
    started = time.perf_counter()
    ref_top, ref_full = reference_rankings(fit_reference(train, similarity), test, users)
    ref_seconds = time.perf_counter() - started
    started = time.perf_counter()
    our_top, our_full = our_rankings(fit_ours(train, similarity, client), users, train["itemID"].nunique())
    our_seconds = time.perf_counter() - started

    verdicts = [compare_lists(ref_top[u], our_top[u]) for u in users]
    counts = {v: verdicts.count(v) for v in ("identical", "tie-equivalent", "different")}
    print(f"\n== {similarity}: {len(users)} test users; fit+recommend reference {ref_seconds:.1f} s, "
          f"ours {our_seconds:.1f} s")
    raw_differing = print_metrics("raw metric", evaluate(test, ref_top), evaluate(test, our_top))
    canon_differing = print_metrics("canonical", evaluate(test, {u: canonical_top(ref_full[u]) for u in users}),
                                    evaluate(test, {u: canonical_top(our_full[u]) for u in users}))
    print(f"  top-{TOP_K} lists: {counts['identical'] + counts['tie-equivalent']}/{len(users)} equal "
          f"({counts['identical']} identical, {counts['tie-equivalent']} equal up to ties), "
          f"{counts['different']} different")
    print(f"  max |score diff| over items in both lists: {max_score_diff(ref_top, our_top):.3e}")
    for user in [u for u, v in zip(users, verdicts) if v == "different"][:3]:
        print(f"  user {user}: reference {ref_top[user]}\n  {'':>{len(user) + 6}}ours      {our_top[user]}")
    raw_ok = raw_differing == 0 or counts["different"] == 0  # then the raw gap is tie order only
    return counts["different"] == 0 and canon_differing == 0 and raw_ok


def main(argv=None) -> int:
    """Run the parity check; return the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--similarity", choices=[*SIMILARITIES, "all"], default="all")
    parser.add_argument("--distributed", action="store_true", help="train ours on a Dask LocalCluster (2 workers)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    ratings = load_ratings()
    train, test = python_stratified_split(ratings, ratio=0.75, seed=SEED, **COLUMNS)
    print(f"MovieLens 100k: {len(ratings)} ratings; train {len(train)} rows, test {len(test)} rows")
    chosen = list(SIMILARITIES) if args.similarity == "all" else [args.similarity]
    with contextlib.ExitStack() as stack:
        client = _local_cluster_client(stack) if args.distributed else None
        failed = [name for name in chosen if not run_one(name, train, test, client)]
    print(f"\nparity {'FAILED for ' + ', '.join(failed) if failed else 'holds'}")
    return 1 if failed else 0


def _local_cluster_client(stack: contextlib.ExitStack):
    """A client of a LocalCluster of 2 single-threaded worker processes, closed with the stack."""
    from distributed import Client, LocalCluster

    logging.getLogger("distributed").setLevel(logging.WARNING)  # dask sets its own loggers to INFO on import
    cluster = stack.enter_context(LocalCluster(n_workers=2, threads_per_worker=1,
                                               dashboard_address="127.0.0.1:0"))  # loopback, a free port
    print("ours trains on a Dask LocalCluster of 2 single-threaded workers")
    return stack.enter_context(Client(cluster, set_as_default=False))


if __name__ == "__main__":
    sys.exit(main())
