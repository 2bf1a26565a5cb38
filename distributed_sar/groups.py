"""One group of users, gathered from every partition on a Dask worker, and its share of SAR's sums.

A user belongs to one group, so a group holds all of its users' events and
their co-occurrence units (users, or their baskets) whole: the co-occurrence
counts, occurrences and popularity of the whole data set are sums over the
groups, and each user's affinity row is its group's. Every formula comes
from recommender/; this module only cuts the work along user groups.
"""
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommender.parameters import CooccurrenceUnit, SARParameters
from recommender.similarity import cooccurrence_counts, item_occurrences, pair_costs, unit_and_item_rows
from recommender.training import (
    binary_user_items,
    item_popularity,
    trending_popularity,
    unit_items,
    user_affinity_matrix,
)

from .parts import EventRange


@dataclass
class UserGroup:
    """All the events of a group of users, in file order; items coded by the data set's item index.

    Attributes
    ----------
    user_ids : object array, shape (n_users,), the group's users, first appearance first
    first_parts, first_positions : int32 arrays, shape (n_users,), the partition where each user first
        appears and its rank in that partition's first-appearance order
    user_codes : int32 array, shape (n_events,), index into user_ids
    item_codes : int32 array, shape (n_events,), index into the data set's item ids
    timestamps, weights : float64 arrays, shape (n_events,)
    """

    user_ids: np.ndarray
    first_parts: np.ndarray
    first_positions: np.ndarray
    user_codes: np.ndarray
    item_codes: np.ndarray
    timestamps: np.ndarray
    weights: np.ndarray

    @property
    def n_users(self) -> int:
        """Number of distinct users in the group."""
        return len(self.user_ids)


@dataclass
class GroupUnits:
    """A group's binary (units x items) matrix both ways (int32 CSR), and the distinct users per item."""

    unit_items: sp.csr_matrix
    item_units: sp.csr_matrix
    popularity: np.ndarray


def finish_group(events: EventRange, item_index: pd.Index) -> UserGroup:
    """A user group from the range of all partitions: its items recoded by the data set's item index."""
    item_map = item_index.get_indexer(events.item_ids).astype(np.int32)
    return UserGroup(
        user_ids=events.user_ids.to_numpy(dtype=object),
        first_parts=events.first_parts,
        first_positions=events.first_positions,
        user_codes=events.user_codes,
        item_codes=item_map[events.item_codes],
        timestamps=events.timestamps,
        weights=events.weights,
    )


def group_units(group: UserGroup, unit: CooccurrenceUnit, n_items: int) -> GroupUnits:
    """The group's co-occurrence units and popularity, built as the single-machine fit builds them."""
    user_items = binary_user_items(group.user_codes, group.item_codes, (group.n_users, n_items))
    popularity = item_popularity(user_items)
    units = unit_items(user_items, group.user_codes, group.item_codes, group.timestamps, unit)
    del user_items
    rows, columns = unit_and_item_rows(units)
    return GroupUnits(rows, columns, popularity)


def units_summary(units: GroupUnits) -> tuple:
    """(popularity, occurrences, pair costs) of the group's units: each a sum over groups."""
    return units.popularity, item_occurrences(units.item_units), pair_costs(units.unit_items, units.item_units)


def block_counts(units: GroupUnits, start: int, stop: int) -> sp.csr_matrix:
    """The group's part of rows start..stop of C = U^T U."""
    return cooccurrence_counts(units.unit_items, units.item_units, start, stop)


def add_counts(first: sp.csr_matrix, second: sp.csr_matrix) -> sp.csr_matrix:
    """The sum of two groups' (or subtrees') counts of the same rows."""
    return first + second


def group_affinity(group: UserGroup, reference_time: float, params: SARParameters, n_items: int) -> sp.csr_matrix:
    """The affinity rows of the group's users (in the group's user order)."""
    return user_affinity_matrix(group.user_codes, group.item_codes, group.timestamps, group.weights, reference_time,
                                (group.n_users, n_items), params)


def group_trending(group: UserGroup, reference_time: float, params: SARParameters, n_items: int) -> np.ndarray:
    """The group's share of trending popularity (a sum over groups: a user belongs to one)."""
    return trending_popularity(group.user_codes, group.item_codes, group.timestamps, reference_time, n_items,
                               params.trending_half_life_seconds)


def user_keys(group: UserGroup) -> tuple:
    """(user ids, first partitions, first positions): what orders the group's users in the whole data set."""
    return group.user_ids, group.first_parts, group.first_positions


def events_of(group: UserGroup, users: pd.Index, item_ids: pd.Index) -> pd.DataFrame:
    """The group's events of the given users, as an event table (file order kept per user)."""
    chosen = np.flatnonzero(pd.Index(group.user_ids).isin(users))
    rows = np.flatnonzero(np.isin(group.user_codes, chosen))
    return pd.DataFrame({
        "user_id": group.user_ids[group.user_codes[rows]],
        "item_id": np.asarray(item_ids, dtype=object)[group.item_codes[rows]],
        "timestamp": group.timestamps[rows],
        "weight": group.weights[rows],
    })


def row_lengths(matrix: sp.csr_matrix) -> np.ndarray:
    """Stored entries per row of a CSR matrix."""
    return np.diff(matrix.indptr)


def user_count(group: UserGroup) -> int:
    """Distinct users of the group."""
    return group.n_users
