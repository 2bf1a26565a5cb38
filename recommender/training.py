"""SAR training: event table in, SARModel out, in named steps."""
from typing import Callable, Optional

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .affinity import affinity_matrix, event_affinities
from .events import EVENT_COLUMNS, latest_timestamp
from .exceptions import NoValidEventsError
from .model import SARModel
from .parameters import CooccurrenceUnit, SARParameters
from .similarity import item_similarity

ProgressCallback = Callable[[str, float], None]
"""progress(stage, fraction done): called between and inside steps; may raise to cancel."""


def fit(events: pd.DataFrame, params: SARParameters, progress: Optional[ProgressCallback] = None) -> SARModel:
    """Train SAR on an event table (see recommender.events) with the given parameters.

    Item and user indices follow first appearance in `events`, as in the reference.
    t_ref, the reference time of the time decay, is the latest event timestamp.
    """
    report = progress or (lambda stage, fraction: None)
    _check_columns(events)
    complete = events["user_id"].notna() & events["item_id"].notna()
    if not complete.all():  # a copy of the table only when there is something to drop
        events = events[complete]
    del complete
    if events.empty:
        raise NoValidEventsError("there is no event with both a user id and an item id to train on")
    report("Indexing", 0.0)
    item_codes, item_ids = _factorize(events["item_id"])
    user_codes, user_ids = _factorize(events["user_id"])
    timestamps = events["timestamp"].to_numpy(dtype=np.float64)
    n_items = len(item_ids)
    user_items = affinity_matrix(user_codes, item_codes, np.ones(len(item_codes), np.int32), (len(user_ids), n_items), binary=True)
    popularity = np.diff(user_items.tocsc().indptr)  # distinct users per item
    units = user_items if params.cooccurrence_unit == CooccurrenceUnit.USER else _basket_items(user_codes, item_codes, timestamps, n_items)
    del user_items  # held by `units` only when users are the unit
    reference_time = latest_timestamp(timestamps)
    user_affinity = None
    if params.enable_user_to_item:
        report("Computing user affinity", 0.0)
        contributions = event_affinities(timestamps, events["weight"].to_numpy(dtype=np.float64), reference_time, params)
        user_affinity = affinity_matrix(user_codes, item_codes, contributions, (len(user_ids), n_items), binary=not params.enable_user_affinity)
    del user_codes, item_codes, timestamps  # the events are not needed past this point

    report("Counting co-occurrences", 0.0)
    similarity = item_similarity(
        units, params.support_threshold, params.similarity_function,
        progress=lambda fraction: report("Counting co-occurrences", fraction),
    )
    del units
    return SARModel(
        params=params,
        item_ids=np.asarray(item_ids, dtype=object),
        similarity=similarity,
        popularity=popularity.astype(np.int64),
        reference_time=reference_time,
        user_ids=np.asarray(user_ids, dtype=object) if user_affinity is not None else None,
        user_affinity=user_affinity,
    )


def _check_columns(events: pd.DataFrame):
    missing = [column for column in EVENT_COLUMNS if column not in events.columns]
    if missing:
        raise ValueError(f"the event table lacks the columns {missing}")


def _factorize(ids: pd.Series):
    """(int32 codes, unique ids), in order of first appearance; categorical columns are cheap here."""
    codes, uniques = pd.factorize(ids)
    return codes.astype(np.int32), uniques


def _basket_items(user_codes, item_codes, timestamps, n_items) -> sp.csr_matrix:
    """Binary (baskets x items): a basket is one user's events at one timestamp (no timestamp: one basket)."""
    keys = pd.MultiIndex.from_arrays([user_codes, np.nan_to_num(timestamps, nan=-np.inf)])
    basket_codes, baskets = pd.factorize(keys)
    return affinity_matrix(basket_codes, item_codes, np.ones(len(item_codes), np.int32), (len(baskets), n_items), binary=True)
