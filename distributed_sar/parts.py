"""Partitions of the usage events (one per file) and ranges of them, as Dask tasks build them on workers.

A partition codes its ids by first appearance within itself and splits its
events by user group: every user belongs to one group (a fixed hash of the
id), so a group gathered from all partitions holds each of its users' events
whole. Consecutive pieces of one group merge pairwise, in file order, into
ranges (a tree per group): users met again are stored once, and where each
user first appears (partition number, rank within that partition) travels
along, so the data set's first-appearance order can be rebuilt exactly.
"""
from dataclasses import dataclass
from typing import Optional

import numpy as np
import pandas as pd

from recommender import TooManyParsingErrorsError
from recommender.events import latest_timestamp
from recommender.indexing import first_appearance_codes, merge_first_appearance
from recommender.parsing import parse_usage_files


@dataclass
class EventRange:
    """The events of one user group in a run of consecutive partitions, in file order.

    Attributes
    ----------
    user_ids : Index, shape (n_users,), the range's users, first appearance first
    first_parts, first_positions : int32 arrays, shape (n_users,), the partition where each user first
        appears and its rank in that partition's first-appearance order of users
    item_ids : Index, the range's items, first appearance first
    user_codes, item_codes : int32 arrays, shape (n_events,), indices into user_ids and item_ids
    timestamps, weights : float64 arrays, shape (n_events,)
    """

    user_ids: pd.Index
    first_parts: np.ndarray
    first_positions: np.ndarray
    item_ids: pd.Index
    user_codes: np.ndarray
    item_codes: np.ndarray
    timestamps: np.ndarray
    weights: np.ndarray


@dataclass
class EventPart:
    """One partition: its items (first appearance first), one EventRange per user group, a summary."""

    item_ids: pd.Index
    pieces: list
    n_events: int
    latest: float


@dataclass
class ParsedPart:
    """What parsing one file gave: its report, and its events unless it went past the tolerance."""

    report: object
    part: Optional[EventPart]


def user_groups(user_ids, n_groups: int) -> np.ndarray:
    """The group of each user id: a fixed hash of the id (the same in every process), modulo n_groups."""
    hashes = pd.util.hash_array(np.asarray(user_ids, dtype=object), categorize=False)
    return (hashes % np.uint64(n_groups)).astype(np.int64)


def split_events(events: pd.DataFrame, part_number: int, n_groups: int) -> EventPart:
    """Code a partition's events by first appearance and split them by user group (file order kept)."""
    complete = events["user_id"].notna() & events["item_id"].notna()
    if not complete.all():
        events = events[complete]
    item_codes, item_ids = first_appearance_codes(events["item_id"])
    user_codes, user_ids = first_appearance_codes(events["user_id"])
    timestamps = events["timestamp"].to_numpy(dtype=np.float64)
    weights = events["weight"].to_numpy(dtype=np.float64)
    groups_of_users = user_groups(user_ids, n_groups)
    users_by_group, user_bounds = _grouped(groups_of_users, n_groups)
    rank_in_group = np.empty(len(user_ids), dtype=np.int32)
    rank_in_group[users_by_group] = np.arange(len(user_ids)) - np.repeat(user_bounds[:-1], np.diff(user_bounds))
    rows_by_group, row_bounds = _grouped(groups_of_users[user_codes], n_groups)
    pieces = []
    for group in range(n_groups):
        users = users_by_group[user_bounds[group]:user_bounds[group + 1]]
        rows = rows_by_group[row_bounds[group]:row_bounds[group + 1]]
        piece_item_codes, piece_items = pd.factorize(item_codes[rows])  # the partition's codes of the piece's items
        pieces.append(EventRange(
            user_ids=user_ids[users], first_parts=np.full(users.size, part_number, dtype=np.int32),
            first_positions=users.astype(np.int32), item_ids=item_ids[piece_items],
            user_codes=rank_in_group[user_codes[rows]], item_codes=piece_item_codes.astype(np.int32),
            timestamps=timestamps[rows], weights=weights[rows]))
    return EventPart(item_ids, pieces, len(item_codes), latest_timestamp(timestamps))


def merge_ranges(first: EventRange, second: EventRange) -> EventRange:
    """One range from two consecutive ranges of the same user group (`first` earlier in the files)."""
    user_ids, second_users = merge_first_appearance(first.user_ids, second.user_ids)
    new_users = second_users >= len(first.user_ids)
    item_ids, second_items = merge_first_appearance(first.item_ids, second.item_ids)
    return EventRange(
        user_ids=user_ids,
        first_parts=np.concatenate([first.first_parts, second.first_parts[new_users]]),
        first_positions=np.concatenate([first.first_positions, second.first_positions[new_users]]),
        item_ids=item_ids,
        user_codes=np.concatenate([first.user_codes, second_users[second.user_codes]]),
        item_codes=np.concatenate([first.item_codes, second_items[second.item_codes]]),
        timestamps=np.concatenate([first.timestamps, second.timestamps]),
        weights=np.concatenate([first.weights, second.weights]),
    )


def parse_part(files, name: str, part_number: int, n_groups: int, max_errors: int, known_items,
               what: str) -> ParsedPart:
    """Download and parse one usage file on the worker, and split its events by user group."""
    try:
        events, report = parse_usage_files(_one_file(files, name), max_errors, known_items=known_items, what=what)
    except TooManyParsingErrorsError as error:  # the caller merges every file's report before failing
        return ParsedPart(error.report, None)
    return ParsedPart(report, split_events(events, part_number, n_groups))


def _one_file(files, name: str):
    """The (name, bytes) of one file, for the parser, which frees the bytes once read."""
    yield name, files.read(name)


def _grouped(groups: np.ndarray, n_groups: int) -> tuple:
    """(positions sorted by group, file order kept within a group; bounds of each group's run)."""
    order = np.argsort(groups, kind="stable")
    bounds = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(groups, minlength=n_groups), out=bounds[1:])
    return order, bounds


def part_summary(parsed: ParsedPart) -> tuple:
    """(parsing report, events kept, latest timestamp) of a parsed partition: what the caller needs at once."""
    if parsed.part is None:
        return parsed.report, 0, np.nan
    return parsed.report, parsed.part.n_events, parsed.part.latest


def part_item_ids(parsed: ParsedPart) -> pd.Index:
    """A parsed partition's items, first appearance first."""
    return parsed.part.item_ids


def part_piece(parsed: ParsedPart, group: int) -> EventRange:
    """A parsed partition's events of one user group."""
    return parsed.part.pieces[group]


def merge_item_ids(first: pd.Index, second: pd.Index) -> pd.Index:
    """The items of two consecutive runs of partitions, first appearance first."""
    return merge_first_appearance(first, second)[0]
