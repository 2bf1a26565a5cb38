"""Offline evaluation of a trained model on held-out usage, in the shape of the model's statistics.

The test users are the users of the evaluation events who also have training
events. Each gets the model's top RANKING_LENGTH for their training history,
exactly as the service would answer a request with those events (same flags,
backfill included). Their evaluation items are what they should have got.
Beside SAR's figures, `baselines` measures each backfill strategy alone.
"""
from typing import Callable, Optional

import numpy as np
import pandas as pd

from .events import EventBatch
from .model import SARModel
from .ranking import backfill
from .ranking_metrics import hit_matrix, metrics_at
from .scoring import recommend

RANKING_KS = (1, 2, 3, 4, 5, 10)
"""k of precision@k, recall@k, nDCG@k and MAP@k."""
HIT_RATE_KS = (1, 2, 3, 4, 5)
"""k of the original service's precision metrics (a hit rate)."""
DIVERSITY_LIST_LENGTH = 5
"""Items of each list that diversity counts: the original service recommended 5 per test user."""
PERCENTILE_BUCKETS = ((0, 90), (90, 99), (99, 100))
"""Training-popularity percentile buckets; each includes its minimum, and only the last its maximum."""
RANKING_LENGTH = max(RANKING_KS)
PROGRESS_EVERY_USERS = 1000
"""How often (in test users) evaluation reports its progress."""


def evaluate(model: SARModel, train_events: pd.DataFrame, test_events: pd.DataFrame,
             progress: Optional[Callable[[float], None]] = None) -> Optional[dict]:
    """Metrics of `model` on held-out events: {precisionMetrics, diversityMetrics, rankingMetrics, baselines}.

    `baselines` holds {precisionMetrics, rankingMetrics} of each backfill strategy alone (`popular`,
    `trending`): the same test users each get the strategy's first items, less the items of their history
    unless the model allows seed items back, as backfill would pad an empty answer. An operator sees
    what SAR adds over each, and what each is worth as a fallback.
    Returns None when no evaluation user has training events (nothing to measure).
    `progress` gets the fraction of test users done, now and then; it may raise to cancel.
    """
    # observed=True: ids may be categorical, and a category without events is no user.
    relevant = test_events.groupby("user_id", sort=False, observed=True)["item_id"].agg(set)
    history = train_events[train_events["user_id"].isin(relevant.index)]
    lists, wanted, histories = [], [], []
    groups = history.groupby("user_id", sort=False, observed=True)
    for done, (user_id, events) in enumerate(groups):
        recommendations = recommend(model, events=EventBatch.from_table(events), k=RANKING_LENGTH)
        if recommendations:  # only a model without backfill can answer nothing
            lists.append([item for item, _ in recommendations])
            wanted.append(relevant[user_id])
            histories.append(events["item_id"])
        if progress is not None and (done + 1) % PROGRESS_EVERY_USERS == 0:
            progress((done + 1) / groups.ngroups)
    if not lists:
        return None
    accuracy = _accuracy(lists, wanted)
    baselines = {name: _accuracy(_backfill_lists(model, order, histories), wanted)
                 for name, order in (("popular", model.popular_items), ("trending", model.trending_items))}
    return {"precisionMetrics": accuracy["precisionMetrics"],
            "diversityMetrics": diversity(model, [items[:DIVERSITY_LIST_LENGTH] for items in lists]),
            "rankingMetrics": accuracy["rankingMetrics"], "baselines": baselines}


def _accuracy(lists: list, wanted: list) -> dict:
    """{precisionMetrics, rankingMetrics} of ranked lists of item ids against each user's wanted items."""
    hits = hit_matrix(lists, wanted, RANKING_LENGTH)
    counts = np.array([len(items) for items in wanted])
    users = len(lists)
    at = {k: metrics_at(hits, counts, k) for k in sorted(set(RANKING_KS) | set(HIT_RATE_KS))}
    return {
        "precisionMetrics": [{"k": k, "percentage": round(100 * at[k]["hit_rate"], 3), "usersInTest": users}
                             for k in HIT_RATE_KS],
        "rankingMetrics": [{"k": k, **{name: at[k][name] for name in ("precision", "recall", "ndcg", "map")},
                            "usersInTest": users} for k in RANKING_KS],
    }


def _backfill_lists(model: SARModel, order: np.ndarray, histories: list) -> list:
    """Each user's list from a backfill order alone: its first items, less the user's own unless allowed."""
    lists = []
    for items in histories:
        seen = np.empty(0, np.int64)
        if not model.params.allow_seed_items:
            seen = np.unique(np.fromiter((model.item_index.get(item, -1) for item in items), np.int64, len(items)))
        lists.append(model.item_ids[backfill(order, seen[seen >= 0], RANKING_LENGTH)].tolist())
    return lists


def diversity(model: SARModel, lists: list) -> dict:
    """How popular in training the recommended items are, by percentile bucket, and how many are distinct.

    An item's percentile is the share of training items at most as popular as it (x100): the most
    popular items sit at 100, items without usage (placed cold items) at 0.
    """
    popularity = np.asarray(model.popularity, dtype=np.float64)
    trained = np.sort(popularity[popularity > 0])
    recommended = np.array([item for items in lists for item in items], dtype=object)
    indices = np.array([model.item_index[item] for item in recommended], dtype=np.int64)
    item_popularity = popularity[indices]
    percentiles = np.where(item_popularity > 0,
                           100.0 * np.searchsorted(trained, item_popularity, side="right") / max(trained.size, 1), 0.0)
    buckets = []
    for low, high in PERCENTILE_BUCKETS:
        inside = (percentiles >= low) & ((percentiles <= high) if high == 100 else (percentiles < high))
        share = 100.0 * int(np.count_nonzero(inside)) / max(recommended.size, 1)
        buckets.append({"min": low, "max": high, "percentage": round(share, 3)})
    return {
        "percentileBuckets": buckets,
        "totalItemsRecommended": int(recommended.size),
        "uniqueItemsRecommended": int(pd.unique(recommended).size) if recommended.size else 0,
        "uniqueItemsInTrainSet": int(trained.size),
    }
