"""Choosing the best k items: deterministic, and without sorting everything."""
from typing import NamedTuple

import numpy as np

SAMPLE_STRIDE = 16
"""Scores are sampled every this many items to bound their k-th best from below."""


FEW_EXCLUDED = 2
"""Up to this many excluded items are compared one by one; more are looked up by binary search."""


class Recommendation(NamedTuple):
    """One recommended item and its raw SAR score (0 for a backfilled item)."""

    item_id: str
    score: float


class SeedCandidates(NamedTuple):
    """One seed item's item-to-item candidates before any rule, in answer order: the best positive entries of
    its similarity row (ties to the lower item index), then, when those are all of the row's and backfilling is
    on, the most popular other items (score 0). `complete` when they are every candidate there is."""

    items: np.ndarray
    scores: np.ndarray
    complete: bool

    @property
    def nbytes(self) -> int:
        return self.items.nbytes + self.scores.nbytes + 350  # the tuple, two array headers, the cache key


def top_k(items: np.ndarray, scores: np.ndarray, k: int):
    """The k highest-scoring (items, scores), best first; ties go to the lower item index.

    Parameters
    ----------
    items : int array, shape (n,), distinct item indices
    scores : float array, shape (n,)
    k : how many to keep
    """
    if k <= 0 or items.size == 0:
        return items[:0], scores[:0]
    floor = _sampled_floor(scores, k)
    if floor is not None:  # a cheap first cut on long lists
        keep = scores >= floor
        items, scores = items[keep], scores[keep]
    if items.size > k:
        kth_best = np.partition(scores, items.size - k)[items.size - k]
        keep = scores >= kth_best  # every item tied with the k-th competes on index below
        items, scores = items[keep], scores[keep]
    order = np.lexsort((items, -scores))[:k]
    return items[order], scores[order]


def top_k_excluding(items: np.ndarray, scores: np.ndarray, k: int, excluded: np.ndarray):
    """top_k over the items with a positive score that are not in `excluded` (a few items)."""
    best_items, best_scores = top_k(items, scores, k + excluded.size)
    keep = (best_scores > 0) & _outside(best_items, excluded)
    return best_items[keep][:k], best_scores[keep][:k]


def top_k_dense(scores: np.ndarray, k: int):
    """top_k over the items (indices of `scores`) with a positive score."""
    floor = _sampled_floor(scores, k)
    candidates = np.flatnonzero(scores >= floor) if floor is not None and floor > 0 else np.flatnonzero(scores > 0)
    return top_k(candidates, scores[candidates], k)


def _outside(items: np.ndarray, excluded: np.ndarray) -> np.ndarray:
    """Mask of the items not in `excluded`: a comparison per excluded item when they are very few (the seed
    of an item-to-item request), else a binary search of each item in the excluded ones sorted. np.isin sorts
    both arrays together: its set-up alone costs more than the rest of an item-to-item answer."""
    if excluded.size > FEW_EXCLUDED:
        ordered = np.sort(excluded)
        at = np.searchsorted(ordered, items)
        at[at == ordered.size] = 0  # past the largest: compared with any excluded item, and unequal
        return ordered[at] != items
    keep = np.ones(items.size, dtype=bool)
    for item in excluded.tolist():
        keep &= items != item
    return keep


def _sampled_floor(scores: np.ndarray, k: int):
    """The k-th best of a strided sample of `scores`, or None for short lists.

    A sample's k-th best can only be lower than the k-th best of all, so
    keeping the scores at or above it never drops an item of the true top k.
    """
    sample = scores[::SAMPLE_STRIDE]
    if k <= 0 or sample.size <= 4 * k:
        return None
    return np.partition(sample, sample.size - k)[sample.size - k]


def backfill(popular_items: np.ndarray, excluded: np.ndarray, count: int, allowed=None) -> np.ndarray:
    """The first `count` items of `popular_items` (most popular first) not in `excluded`, and `allowed`
    (a bool mask over item indices) when given."""
    if count <= 0:
        return popular_items[:0]
    # Only the head of the popularity list can be needed: excluded items plus count, unless a mask
    # refuses some of them too; then the head grows until it holds enough or is the whole list.
    size = count + excluded.size
    while True:
        head = popular_items[:size]
        if allowed is not None:
            head = head[allowed[head]]
        if excluded.size:
            head = head[_outside(head, excluded)]
        picked = head[:count]
        if picked.size == count or size >= popular_items.size:
            return picked
        size *= 4
