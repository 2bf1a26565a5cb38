"""Personalized top k for a block of users at once: what scoring.recommend answers for each, from one sparse
product (user_affinity[block] @ similarity) and array operations over the block instead of a call per user.

The product adds each user's seed rows in ascending seed order, as scoring's weighted_row_sum does, so every
score is the same to the last bit, and the ranking (ties to the lower item index) the same item for item. Rows
the array path cannot settle (fewer than k positive candidates, so backfill decides; or rules that act in rank
order: an exclude list, a category cap) go through scoring.rank_user_scores with the row already computed.
"""
from dataclasses import dataclass
from typing import Optional

import numpy as np

from .model import SARModel
from .ranking import SAMPLE_STRIDE
from .rules import ItemFilter, Rules
from .scoring import rank_user_scores

SMALLEST_POSITIVE = np.nextafter(0.0, 1.0)
"""A floor that keeps exactly the positive scores."""


@dataclass(frozen=True)
class BlockRecommendations:
    """The answers of a block of users, flattened in user order.

    Attributes
    ----------
    user_rows : int array, shape (n_users,), rows of the model's user_affinity, in the order given
    counts : int array, shape (n_users,), how many recommendations each user got (at most k)
    item_indices : int array, shape (sum(counts),), each user's items best first, users one after another
    scores : float64 array, shape (sum(counts),), their raw SAR scores (0 for backfilled items)
    """

    user_rows: np.ndarray
    counts: np.ndarray
    item_indices: np.ndarray
    scores: np.ndarray


def recommend_block(model: SARModel, user_rows: np.ndarray, k: int = 10,
                    rules: Optional[Rules] = None) -> BlockRecommendations:
    """scoring.recommend(model, user_id=model.user_ids[row], k=k, rules=rules) for each row, in one pass.

    :raise ValueError: the model keeps no user histories
    :raise CategoriesUnavailableError: the rules cap categories and the model has none
    """
    if model.user_affinity is None:
        raise ValueError("the model was trained without user histories (enable_user_to_item)")
    item_filter = ItemFilter.build(rules, model) if rules is not None else None
    user_rows = np.asarray(user_rows, dtype=np.int64)
    histories = model.user_affinity[user_rows]
    if not model.params.enable_user_affinity:
        histories.data[:] = 1.0  # as scoring: every seed counts once
    scores = (histories @ model.similarity).toarray()
    seed_rows = np.repeat(np.arange(user_rows.size), np.diff(histories.indptr))
    if not model.params.allow_seed_items:
        scores[seed_rows, histories.indices] = 0.0
    if item_filter is not None:
        item_filter.zero_disallowed(scores)
    ranked_in_order = item_filter is None or not (item_filter.excluded_ids or item_filter.caps_categories)
    counts, items, values = _top_k_rows(scores, k) if ranked_in_order else _nothing_settled(user_rows.size)
    unsettled = np.flatnonzero(counts < k) if (model.params.enable_backfilling or not ranked_in_order) else []
    answers = _split(counts, items, values)
    for row in unsettled:
        seeds = histories.indices[histories.indptr[row]:histories.indptr[row + 1]].astype(np.int64)
        answer = rank_user_scores(model, scores[row], seeds, k, item_filter)
        answers[row] = (np.array([model.item_index[item_id] for item_id, _ in answer], dtype=np.int64),
                        np.array([score for _, score in answer], dtype=np.float64))
    return _join(user_rows, answers)


def _top_k_rows(scores: np.ndarray, k: int) -> tuple:
    """(count per row, items, scores) of each row's best k positive scores, best first, ties to the lower index.

    A strided sample's k-th best bounds each row's k-th best from below (ranking.top_k_dense, row-wise), so
    only the scores at or above it are sorted.
    """
    n_rows, n_items = scores.shape
    sample = scores[:, ::SAMPLE_STRIDE]
    floors = np.full(n_rows, SMALLEST_POSITIVE)
    if sample.shape[1] > 4 * k:
        sampled = np.partition(sample, sample.shape[1] - k, axis=1)[:, sample.shape[1] - k]
        floors = np.maximum(sampled, SMALLEST_POSITIVE)
    rows, items = np.nonzero(scores >= floors[:, None])
    values = scores[rows, items]
    order = np.lexsort((items, -values, rows))
    rows, items, values = rows[order], items[order], values[order]
    starts = np.searchsorted(rows, np.arange(n_rows))
    keep = np.arange(rows.size) - starts[rows] < k
    counts = np.bincount(rows[keep], minlength=n_rows)
    return counts, items[keep].astype(np.int64), values[keep]


def _nothing_settled(n_rows: int) -> tuple:
    return np.zeros(n_rows, dtype=np.int64), np.empty(0, np.int64), np.empty(0)


def _split(counts: np.ndarray, items: np.ndarray, values: np.ndarray) -> list:
    """Per row (items, scores)."""
    bounds = np.concatenate([[0], np.cumsum(counts)])
    return [(items[start:stop], values[start:stop]) for start, stop in zip(bounds[:-1], bounds[1:])]


def _join(user_rows: np.ndarray, answers: list) -> BlockRecommendations:
    counts = np.array([items.size for items, _ in answers], dtype=np.int64)
    items = np.concatenate([items for items, _ in answers]) if answers else np.empty(0, np.int64)
    values = np.concatenate([values for _, values in answers]) if answers else np.empty(0)
    return BlockRecommendations(user_rows, counts, items.astype(np.int64), values.astype(np.float64))
