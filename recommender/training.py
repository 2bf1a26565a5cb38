"""SAR training: fit(events, params) -> SARModel, in named steps.

The steps past indexing are public functions of (codes, timestamps, weights)
arrays, so that a trainer holding disjoint groups of users (one per machine)
builds its parts with exactly these formulas: popularity and occurrences are
then sums over the groups, and user affinity rows belong to one group each.
"""
from typing import Callable, Optional

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .affinity import affinity_matrix, event_affinities
from .event_pairs import EventPairs
from .events import EVENT_COLUMNS, decay_factors, latest_timestamp
from .exceptions import NoValidEventsError
from .indexing import first_appearance_codes
from .model import SARModel
from .parameters import CooccurrenceUnit, SARParameters
from .similarity import item_similarity

ProgressCallback = Callable[[str, float], None]
"""progress(stage, fraction done): called between and inside steps; may raise to cancel."""


def fit(events: pd.DataFrame, params: SARParameters, progress: Optional[ProgressCallback] = None,
        threads: Optional[int] = None) -> SARModel:
    """Train SAR on an event table (see recommender.events) with the given parameters.

    `threads` count co-occurrences at once (default: one per core); the model is the same whatever the number.
    Item and user indices follow first appearance in `events`, as in the reference.
    t_ref, the reference time of the time decay, is the latest event timestamp.
    """
    report = progress or (lambda stage, fraction: None)
    events = _usable_events(events)
    report("Indexing", 0.0)
    item_codes, item_ids = first_appearance_codes(events["item_id"])
    user_codes, user_ids = first_appearance_codes(events["user_id"])
    timestamps = events["timestamp"].to_numpy(dtype=np.float64)
    shape = (len(user_ids), len(item_ids))
    pairs = EventPairs(user_codes, item_codes, shape)
    user_items = pairs.binary_matrix()
    popularity = item_popularity(user_items)
    units = unit_items(user_items, user_codes, item_codes, timestamps, params.cooccurrence_unit)
    del user_items  # held by `units` only when users are the unit
    reference_time = latest_timestamp(timestamps)
    trending = trending_popularity(user_codes, item_codes, timestamps, reference_time, len(item_ids),
                                   params.trending_half_life_seconds, pairs)
    del pairs
    user_affinity = None
    if params.enable_user_to_item:
        report("Computing user affinity", 0.0)
        user_affinity = user_affinity_matrix(user_codes, item_codes, timestamps, events["weight"], reference_time,
                                             shape, params)
    del user_codes, item_codes, timestamps  # the events are not needed past this point

    report("Counting co-occurrences", 0.0)
    similarity = item_similarity(
        units, params.support_threshold, params.similarity_function,
        progress=lambda fraction: report("Counting co-occurrences", fraction), threads=threads,
    )
    del units
    return SARModel(
        params=params,
        item_ids=np.asarray(item_ids, dtype=object),
        similarity=similarity,
        popularity=popularity,
        reference_time=reference_time,
        trending=trending,
        user_ids=np.asarray(user_ids, dtype=object) if user_affinity is not None else None,
        user_affinity=user_affinity,
    )


def binary_user_items(user_codes, item_codes, shape) -> sp.csr_matrix:
    """Binary (users x items) int32 CSR: which user used which item."""
    return EventPairs(user_codes, item_codes, shape).binary_matrix()


def item_popularity(user_items: sp.csr_matrix) -> np.ndarray:
    """Distinct users per item, int64, from a binary (users x items) CSR matrix."""
    return np.bincount(user_items.indices, minlength=user_items.shape[1]).astype(np.int64, copy=False)


def trending_popularity(user_codes, item_codes, timestamps, reference_time: float, n_items: int,
                        half_life_seconds: float, pairs: Optional[EventPairs] = None) -> np.ndarray:
    """Time-decayed distinct users per item, float64: sum over an item's users of 2^(-(t_ref - t)/T), t the
    user's latest event on it (none with a timestamp: no decay). Popularity is this without decay, and a sum
    over disjoint groups of users, as popularity is. `pairs`: the events' EventPairs, when already sorted."""
    if pairs is None:
        pairs = EventPairs(user_codes, item_codes, (int(np.max(user_codes, initial=-1)) + 1, n_items))
    factors = decay_factors(timestamps, reference_time, half_life_seconds)
    # A user's latest event on an item is its largest factor: each pair's max, counted at the pair's first
    # event (0 at its others), so that every item's sum adds its pairs in the order they first appear.
    counted = pairs.largest_at_first_events(factors)
    return np.bincount(item_codes, weights=counted, minlength=n_items)


def unit_items(user_items: sp.csr_matrix, user_codes, item_codes, timestamps, unit: CooccurrenceUnit) -> sp.csr_matrix:
    """The binary (units x items) matrix co-occurrences are counted in: users, or their baskets."""
    if unit == CooccurrenceUnit.USER:
        return user_items
    return _basket_items(user_codes, item_codes, timestamps, user_items.shape[1])


def user_affinity_matrix(user_codes, item_codes, timestamps, weights, reference_time: float, shape,
                         params: SARParameters) -> sp.csr_matrix:
    """(users x items) affinity: decayed weights summed per user and item, or 1 per pair without user affinity."""
    contributions = event_affinities(timestamps, np.asarray(weights, dtype=np.float64), reference_time, params)
    return affinity_matrix(user_codes, item_codes, contributions, shape, binary=not params.enable_user_affinity)


def _usable_events(events: pd.DataFrame) -> pd.DataFrame:
    """The events with both a user id and an item id. :raise NoValidEventsError: none has both"""
    missing = [column for column in EVENT_COLUMNS if column not in events.columns]
    if missing:
        raise ValueError(f"the event table lacks the columns {missing}")
    complete = events["user_id"].notna() & events["item_id"].notna()
    if not complete.all():  # a copy of the table only when there is something to drop
        events = events[complete]
    if events.empty:
        raise NoValidEventsError("there is no event with both a user id and an item id to train on")
    return events


def _basket_items(user_codes, item_codes, timestamps, n_items) -> sp.csr_matrix:
    """Binary (baskets x items): a basket is one user's events at one timestamp (no timestamp: one basket)."""
    keys = pd.MultiIndex.from_arrays([user_codes, np.nan_to_num(timestamps, nan=-np.inf)])
    basket_codes, baskets = pd.factorize(keys)
    return affinity_matrix(basket_codes, item_codes, np.ones(len(item_codes), np.int32), (len(baskets), n_items), binary=True)
