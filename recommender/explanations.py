"""Why each recommended item: the seed items that contributed most to its score, and the strategy that placed it.

A personalized score is s_j = sum_i a_i * S_ij over the seeds i (the user's items, a_i their affinity), so seed
i contributed a_i * S_ij of it. An item-to-item score is S_seed,j: the one seed contributed all of it. Explaining
reads the answer after it is chosen, so a request that does not ask pays nothing.
"""
from enum import Enum
from typing import NamedTuple, Optional, Sequence

import numpy as np

from .events import EventBatch
from .model import SARModel
from .scoring import _seed_affinities  # the same seeds and affinities recommend scores with

TOP_SEEDS = 3
"""Seeds named per recommended item."""


class Strategy(str, Enum):
    """What placed an item in the answer."""

    SAR = "SAR"  # its score came from usage co-occurrence
    COLD_ITEM_PLACEMENT = "ColdItemPlacement"  # it, or every seed behind it, has no usage: catalog features placed it
    BACKFILL = "Backfill"  # nothing scored it: a popular item padding the list (score 0)


class SeedShare(NamedTuple):
    """A seed item and its share of a recommended item's score."""

    item_id: str
    share: float


class Explanation(NamedTuple):
    """The strategy that placed an item and its top seeds, largest share first (shares sum to at most 1)."""

    strategy: Strategy
    seeds: tuple


BACKFILLED = Explanation(Strategy.BACKFILL, ())


def seed_contributions(model: SARModel, seeds: np.ndarray, affinities: np.ndarray, items: np.ndarray) -> np.ndarray:
    """a_i * S_ij for each seed i and item j: rows sum to the personalized scores of `items`.

    Parameters
    ----------
    seeds : int array, shape (n_seeds,), distinct item indices
    affinities : float array, shape (n_seeds,)
    items : int array, shape (n_items,)

    Returns
    -------
    float array, shape (n_items, n_seeds)
    """
    if seeds.size == 0 or items.size == 0:
        return np.zeros((items.size, seeds.size))
    # S is symmetric, so S_ij is row j's entry i: a few rows of the answer, not the seeds' long ones.
    block = model.similarity[items][:, seeds].toarray()
    return block * affinities[np.newaxis, :]


def explain_personalized(model: SARModel, recommendations: Sequence, user_id: Optional[str] = None,
                         events: Optional[EventBatch] = None) -> list:
    """An Explanation per (item id, score) of a personalized answer for this user and/or these events."""
    seeds, affinities = _seed_affinities(model, user_id, events)
    items = np.array([model.item_index[item_id] for item_id, _ in recommendations], dtype=np.int64)
    contributions = seed_contributions(model, seeds, affinities, items)
    return [_explained(model, item, score, seeds, row)
            for item, (_, score), row in zip(items.tolist(), recommendations, contributions)]


def explain_similar(model: SARModel, seed_item_id: Optional[str], recommendations: Sequence) -> list:
    """An Explanation per (item id, score) of an item-to-item answer for `seed_item_id`."""
    seed = model.item_index.get(seed_item_id) if seed_item_id is not None else None
    seeds = np.array([] if seed is None else [seed], dtype=np.int64)
    return [_explained(model, model.item_index[item_id], score, seeds, np.ones(seeds.size))
            for item_id, score in recommendations]


def _explained(model: SARModel, item: int, score: float, seeds: np.ndarray, contributions: np.ndarray):
    """The Explanation of one item from its seeds' contributions (a zero score is a backfilled item)."""
    if score == 0 or seeds.size == 0:
        return BACKFILLED
    positive = contributions > 0
    total = contributions[positive].sum()  # the score, unless some seed speaks against the item
    order = np.lexsort((seeds, -contributions))[:TOP_SEEDS]
    top = [index for index in order.tolist() if positive[index]]
    shares = tuple(SeedShare(model.item_ids[seeds[index]], float(contributions[index] / total)) for index in top)
    return Explanation(_strategy(model, item, seeds[positive]), shares)


def _strategy(model: SARModel, item: int, contributing_seeds: np.ndarray) -> Strategy:
    """SAR, unless the item or every seed behind it has no usage (only catalog features relate it)."""
    if model.popularity[item] == 0 or not np.any(model.popularity[contributing_seeds] > 0):
        return Strategy.COLD_ITEM_PLACEMENT
    return Strategy.SAR
