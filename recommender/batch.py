"""Personalized top k for a block of users: what scoring.recommend answers for each, bit for bit, without its
per-request work and without most of its multiply-adds.

Most users are settled by recommender.pruned_scores: the similarity's heavy rows cut to their best entries
(recommender.pruned_rows), a bound on what the cut entries can add, and exact scores for the few items the
bound leaves in the running, added in recommend's order. The exclude list is folded into the include list's
and prefix's mask: removing items from the candidates before ranking picks what recommend picks skipping them
in rank order. The others (a category cap, which acts in rank order; a negative affinity or similarity, for
which the bound does not hold; a bound too loose to settle the top k; fewer than k scored candidates) take
the exact path: scoring's own kernel (row_sums.weighted_row_sum) over the whole history, ranked by
ranking.top_k_dense, or by scoring.rank_user_scores when backfill or a cap decides.

Why not one sparse product `user_affinity[block] @ similarity`: on the 15M-event model a user's seeds reach
85% of the items (51k of 60k), so the product is dense in all but name, and scipy's two-pass sparse kernel
costs about 7 ns per multiply-add against about 2 for weighted_row_sum's (docs/batch.md).
"""
import threading
import weakref
from dataclasses import dataclass
from typing import Optional

import numpy as np

from . import pruned_rows, pruned_scores
from .model import SARModel
from .pruned_rows import PrunedSimilarity, prune
from .pruned_scores import SettledUsers, block_top_k
from .ranking import top_k_dense
from .row_sums import weighted_row_sum
from .rules import ItemFilter, Rules
from .scoring import rank_user_scores


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
    """scoring.recommend(model, user_id=model.user_ids[row], k=k, rules=rules) for each row.

    :raise ValueError: the model keeps no user histories
    :raise CategoriesUnavailableError: the rules cap categories and the model has none
    """
    if model.user_affinity is None:
        raise ValueError("the model was trained without user histories (enable_user_to_item)")
    item_filter = ItemFilter.build(rules, model) if rules is not None else None
    eligible = _eligible_items(model, item_filter)
    in_order = item_filter is None or not item_filter.caps_categories
    user_rows = np.asarray(user_rows, dtype=np.int64)
    histories = model.user_affinity[user_rows]
    worth_pruning = in_order and k > 0 and user_rows.size and histories.has_canonical_format
    pruned = pruned_similarity(model) if worth_pruning else None
    if pruned is None:
        return _join(user_rows, [_answer(model, row, k, item_filter, eligible, in_order)
                                 for row in user_rows.tolist()])
    fast = block_top_k(pruned, histories, k, eligible, model.params.allow_seed_items,
                       unit_weights=not model.params.enable_user_affinity)
    return _merge(user_rows, fast, [_answer(model, row, k, item_filter, eligible, in_order)
                                    for row in user_rows[~fast.settled].tolist()])


_PRUNED = weakref.WeakKeyDictionary()
"""Each model's pruned similarity, built once for all the blocks of a job (models compare by identity)."""

_PRUNING = threading.Lock()
"""Held while a pruned similarity is built: a Dask worker scores several parts of a job at once, and each
build costs seconds and hundreds of MB on a large model."""


def pruned_similarity(model: SARModel) -> Optional[PrunedSimilarity]:
    """The model's similarity pruned for recommender.pruned_scores (None: it cannot be), built on first use."""
    if not pruned_scores.KERNELS:
        return None
    key = (pruned_rows.HEAVY_ROW, pruned_rows.HEAD_SIZE)  # tests lower them for small models
    with _PRUNING:
        cached = _PRUNED.get(model)
        if cached is None or cached[0] != key:
            cached = _PRUNED[model] = (key, prune(model.similarity))
    return cached[1]


def _answer(model: SARModel, row: int, k: int, item_filter: Optional[ItemFilter], eligible: Optional[np.ndarray],
            in_order: bool) -> tuple:
    """(items, scores) of one user: ranked here when the rules allow, else by scoring.rank_user_scores."""
    affinity = model.user_affinity
    start, stop = affinity.indptr[row], affinity.indptr[row + 1]
    seeds = affinity.indices[start:stop].astype(np.int64)
    weights = affinity.data[start:stop] if model.params.enable_user_affinity else np.ones(stop - start)
    scores = weighted_row_sum(model.similarity, seeds, weights) if seeds.size else np.zeros(model.n_items)
    if seeds.size and in_order:
        items, values = _top_k_eligible(model, scores, seeds, k, eligible)
        if items.size == k or not model.params.enable_backfilling:
            return items.astype(np.int64), values
    answer = rank_user_scores(model, scores, seeds, k, item_filter)
    return (np.array([model.item_index[item_id] for item_id, _ in answer], dtype=np.int64),
            np.array([score for _, score in answer], dtype=np.float64))


def _top_k_eligible(model: SARModel, scores: np.ndarray, seeds: np.ndarray, k: int,
                    eligible: Optional[np.ndarray]) -> tuple:
    """top_k_dense over the eligible non-seed items; `scores` are left as they were (backfill reads them)."""
    ranked = scores if eligible is None else scores * eligible
    held = ranked[seeds] if not model.params.allow_seed_items else None
    if held is not None:
        ranked[seeds] = 0.0
    items, values = top_k_dense(ranked, k)
    if held is not None:
        ranked[seeds] = held
    return items, values


def _eligible_items(model: SARModel, item_filter: Optional[ItemFilter]) -> Optional[np.ndarray]:
    """Bool mask of the items the include list, the prefix and the exclude list let through (None: all)."""
    if item_filter is None or (item_filter.allowed is None and not item_filter.excluded_ids):
        return None
    eligible = np.ones(model.n_items, dtype=bool) if item_filter.allowed is None else item_filter.allowed.copy()
    excluded = [model.item_index[item_id] for item_id in item_filter.excluded_ids if item_id in model.item_index]
    eligible[np.asarray(excluded, dtype=np.int64)] = False
    return eligible


def _merge(user_rows: np.ndarray, fast: SettledUsers, answers: list) -> BlockRecommendations:
    """The settled users' answers and the others' (`answers`, in block order) in one block."""
    if not answers:
        k = fast.items.shape[1]
        return BlockRecommendations(user_rows, np.full(user_rows.size, k, dtype=np.int64), fast.items.ravel(),
                                    fast.scores.ravel())
    settled = iter(zip(fast.items, fast.scores))
    others = iter(answers)
    return _join(user_rows, [next(settled) if is_settled else next(others) for is_settled in fast.settled.tolist()])


def _join(user_rows: np.ndarray, answers: list) -> BlockRecommendations:
    counts = np.array([items.size for items, _ in answers], dtype=np.int64)
    items = np.concatenate([items for items, _ in answers]) if answers else np.empty(0, np.int64)
    values = np.concatenate([values for _, values in answers]) if answers else np.empty(0)
    return BlockRecommendations(user_rows, counts, items.astype(np.int64), values.astype(np.float64))
