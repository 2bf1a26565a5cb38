"""Choosing the best k items: deterministic, and without sorting everything."""
from typing import NamedTuple

import numpy as np


class Recommendation(NamedTuple):
    """One recommended item and its raw SAR score (0 for a backfilled item)."""

    item_id: str
    score: float


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
    if items.size > k:
        kth_best = np.partition(scores, items.size - k)[items.size - k]
        keep = scores >= kth_best  # every item tied with the k-th competes on index below
        items, scores = items[keep], scores[keep]
    order = np.lexsort((items, -scores))[:k]
    return items[order], scores[order]


def backfill(popular_items: np.ndarray, excluded: np.ndarray, count: int) -> np.ndarray:
    """The first `count` items of `popular_items` (most popular first) not in `excluded`."""
    if count <= 0:
        return popular_items[:0]
    # Only the head of the popularity list can be needed: excluded items plus count.
    head = popular_items[: count + excluded.size]
    return head[~np.isin(head, excluded)][:count]
