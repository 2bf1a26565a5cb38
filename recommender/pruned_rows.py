"""The similarity with its heavy rows cut, laid out for recommender.pruned_scores (issue 23).

A few popular items co-occur with nearly every item: their similarity rows hold up to every item and cost
most of a user's multiply-adds (92% on the 15M-event model). Each such heavy row keeps its HEAD_SIZE best
entries here; its largest entry cut off bounds what the rest adds to any item's score.
"""
from dataclasses import dataclass
from typing import Optional

import numpy as np
import scipy.sparse as sp

HEAVY_ROW = 1000
"""Similarity rows with more entries than this are cut to their HEAD_SIZE best."""

HEAD_SIZE = 300
"""Entries a heavy row keeps (ties to the lower item index)."""

HEAVY_TABLE_BYTES = 256 << 20
"""Cap on the dense table of heavy rows (8 bytes an item each): past it, only the longest rows are cut, the
others stay whole (exact, only slower). A model of 1M items thus cuts at most its 33 longest rows."""

PEEK = 4
"""Best entries of each seed's row whose partial sums give a first lower bound of the k-th best."""


@dataclass(frozen=True)
class PrunedSimilarity:
    """The similarity with heavy rows cut, laid out for scipy's csc_matvec, and what the cut removed.

    Attributes
    ----------
    starts, lengths : int arrays, shape (n_items,), each kept row's place in `indices`/`data`. Rows lie in
        descending order, so a user's seeds read in ascending order each start before the previous one ends,
        and one csc_matvec call reads them all (the gaps between them are empty columns).
    indices, data : the kept entries, row after row
    tails : float64 array, shape (n_items,), the largest entry cut from each row (0: nothing cut)
    heavy_slots : int array, shape (n_items,), each heavy row's row in `heavy_rows` (-1: not heavy)
    heavy_rows : float64 array, shape (n_heavy, n_items), the heavy rows whole, for O(1) lookups
    peeks : int array, shape (n_items, PEEK), each row's best kept entries (repeated in short rows)
    """

    starts: np.ndarray
    lengths: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    tails: np.ndarray
    heavy_slots: np.ndarray
    heavy_rows: np.ndarray
    peeks: np.ndarray

    @property
    def n_items(self) -> int:
        return self.tails.size


def prune(similarity: sp.csr_matrix, heavy_row: Optional[int] = None, head_size: Optional[int] = None
          ) -> Optional[PrunedSimilarity]:
    """The pruned similarity (HEAVY_ROW and HEAD_SIZE unless given), or None when the bounds cannot hold:
    an entry that is not a positive finite number, or a matrix not bit-for-bit symmetric or not canonical."""
    heavy_row = HEAVY_ROW if heavy_row is None else heavy_row
    head_size = HEAD_SIZE if head_size is None else head_size
    data = np.asarray(similarity.data, dtype=np.float64)
    if data.size == 0 or not (np.all(data > 0) and np.all(np.isfinite(data))):
        return None
    if not similarity.has_canonical_format or (similarity != similarity.T).nnz:
        return None
    n_items, indptr = similarity.shape[0], similarity.indptr
    lengths = np.diff(indptr)
    keep, tails = np.ones(data.size, dtype=bool), np.zeros(n_items)
    heavy = np.flatnonzero(lengths > max(heavy_row, head_size))
    most = HEAVY_TABLE_BYTES // (8 * max(n_items, 1))
    if heavy.size > most:  # the longest rows, in row order
        heavy = np.sort(heavy[np.argsort(-lengths[heavy], kind="stable")[:most]])
    heavy_rows = np.zeros((heavy.size, n_items))
    for slot, row in enumerate(heavy.tolist()):
        start, stop = indptr[row], indptr[row + 1]
        columns, values = similarity.indices[start:stop], data[start:stop]
        heavy_rows[slot, columns] = values
        ranked = np.lexsort((columns, -values))
        keep[start + ranked[head_size:]] = False
        tails[row] = values[ranked[head_size]]
    heavy_slots = np.full(n_items, -1, dtype=np.int64)
    heavy_slots[heavy] = np.arange(heavy.size)
    rows = np.repeat(np.arange(n_items), lengths)  # each entry's row
    return PrunedSimilarity(*_descending_layout(n_items, rows, similarity.indices, data, keep), tails,
                            heavy_slots, heavy_rows, _peeks(n_items, rows, similarity.indices, data, keep))


def _descending_layout(n_items: int, rows: np.ndarray, indices: np.ndarray, data: np.ndarray,
                       keep: np.ndarray) -> tuple:
    """(starts, lengths, indices, data) of the kept entries, the last row first, columns ascending in a row."""
    rows = rows[keep]
    lengths = np.bincount(rows, minlength=n_items)
    ends = np.cumsum(lengths[::-1])[::-1]  # row j ends where rows j..n-1 end, counted from the last
    first_kept = np.cumsum(lengths) - lengths  # where each row starts among the kept entries, in CSR order
    position = (ends - lengths)[rows] + np.arange(rows.size) - first_kept[rows]
    dtype = np.int32 if ends.size == 0 or ends[0] < 2**31 else np.int64
    layout_indices, layout_data = np.empty(rows.size, dtype=dtype), np.empty(rows.size)
    layout_indices[position], layout_data[position] = indices[keep], data[keep]
    return (ends - lengths).astype(dtype), lengths.astype(dtype), layout_indices, layout_data


def _peeks(n_items: int, rows: np.ndarray, indices: np.ndarray, data: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """PEEK of each row's best kept entries (columns), taken one rank at a time: a sort of every entry costs
    seconds on the 15M-event model. A row with fewer repeats columns already taken (empty rows: item 0); any
    items will do, they only set a first threshold."""
    values = np.where(keep, data, -np.inf)
    peeks = np.zeros((n_items, PEEK), dtype=np.int64)
    firsts = np.flatnonzero(np.diff(rows, prepend=-1))  # each non-empty row's first entry
    for rank in range(PEEK if rows.size else 0):
        best = np.full(n_items, -np.inf)
        best[rows[firsts]] = np.maximum.reduceat(values, firsts)
        at = np.flatnonzero(values == best[rows])
        at = at[np.concatenate(([True], rows[at][1:] != rows[at][:-1]))]  # the first best of each row
        peeks[rows[at], rank] = indices[at]
        values[at] = -np.inf
    return peeks
