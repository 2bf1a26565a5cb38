"""Item co-occurrence and item-item similarity, sparse end to end.

C = U^T U, with U the binary (units x items) matrix of which unit (a user, or
a user's basket at one timestamp) used which item: c_ij counts the units that
hold both items, c_ii the units that hold item i. Counts below the support
threshold are dropped. C is computed in blocks of item rows so that no block
of pair counts, thresholded or not, ever exists whole, and each kept block is
appended to arrays that grow in place: memory stays in proportion to the
pairs kept, and nothing items x items is dense.

C is symmetric, so a single machine counts little more than its upper half:
the item rows are cut into COLUMN_GROUPS groups, and a group's rows are
multiplied by U without the columns of the groups before it. The pairs those
columns would have given are the earlier groups' pairs, mirrored at the end
(where the upper rows, their mirror and the whole matrix exist at once: about
twice the result's memory, for a moment).
Every similarity function is symmetric to the last bit (c_ii + c_jj is
c_jj + c_ii in floating point), so a mirrored value is the one its row would
have computed.

The steps are separate functions because units can be split into disjoint
parts (users on different machines): occurrences, pair costs and the counts
of a block of rows are then sums over the parts, and `similarity_rows` turns
the summed counts into similarities exactly as the single-machine loop does.
"""
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Optional

import numpy as np
import scipy.sparse as sp

from .parameters import SimilarityFunction

PAIRS_PER_BLOCK = 4_000_000
"""Upper bound of pair products computed at once (tens of bytes each while a block is built)."""
BLOCKS_PER_THREAD = 2
"""Blocks in flight per thread: each thread has its next block while finished ones are appended."""
COLUMN_GROUPS = 8
"""Groups of item rows counted without the columns of the groups before them: the pair products counted are
about (1 + 1/COLUMN_GROUPS) / 2 of all, for one pass over U's entries per group to drop the columns."""


def default_threads() -> int:
    """Threads that count co-occurrences by default: one per core this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def jaccard(counts: np.ndarray, row_occurrences: np.ndarray, column_occurrences: np.ndarray) -> np.ndarray:
    """s_ij = c_ij / (c_ii + c_jj - c_ij), written into `counts` (float64) and returned.

    The denominator is built in `column_occurrences`, which is consumed.
    """
    denominator = column_occurrences
    denominator += row_occurrences
    denominator -= counts
    return np.divide(counts, denominator, out=counts)


def lift(counts: np.ndarray, row_occurrences: np.ndarray, column_occurrences: np.ndarray) -> np.ndarray:
    """s_ij = c_ij / (c_ii * c_jj), written into `counts` (float64) and returned."""
    denominator = column_occurrences
    denominator *= row_occurrences
    return np.divide(counts, denominator, out=counts)


def cooccurrence(counts: np.ndarray, row_occurrences: np.ndarray, column_occurrences: np.ndarray) -> np.ndarray:
    """s_ij = c_ij."""
    return counts


SIMILARITY_FUNCTIONS = {
    SimilarityFunction.JACCARD: jaccard,
    SimilarityFunction.LIFT: lift,
    SimilarityFunction.COOCCURRENCE: cooccurrence,
}


def item_similarity(
    unit_items: sp.csr_matrix,
    support_threshold: int,
    similarity_function: SimilarityFunction,
    progress: Optional[Callable[[float], None]] = None,
    threads: Optional[int] = None,
) -> sp.csr_matrix:
    """Sparse (items x items) similarity from a binary (units x items) CSR matrix.

    Parameters
    ----------
    unit_items : csr_matrix, shape (n_units, n_items), one stored 1 per (unit, item) used
    support_threshold : co-occurrence counts below it are dropped
    similarity_function : Jaccard, Lift or Cooccurrence
    progress : called with the fraction of item rows done, between blocks
    threads : blocks computed at once (default: one per core); scipy's and numpy's kernels release the GIL.
        Each block is computed alone and the blocks are appended in order: the result is the same bit for
        bit whatever the number.

    Returns
    -------
    csr_matrix, shape (n_items, n_items), float64, symmetric, diagonal kept,
    sorted indices.
    """
    n_items = unit_items.shape[1]
    unit_items, item_units = unit_and_item_rows(unit_items)
    occurrences = item_occurrences(item_units)
    upper = SimilarityRows(n_items)  # each row from its group's first column on

    def block(start: int, stop: int, columns: "ColumnSuffix") -> sp.csr_matrix:
        counts = columns.counts(item_units, start, stop)
        return similarity_rows(counts, start, occurrences, support_threshold, similarity_function)

    threads = max(1, threads or default_threads())
    in_flight = deque()
    columns, group_starts = ColumnSuffix(unit_items), [0]
    group_width = -(-n_items // COLUMN_GROUPS)
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="cooccurrence") as pool:
        try:
            for start, stop in row_blocks(pair_costs(unit_items, item_units), PAIRS_PER_BLOCK):
                if start >= columns.first + group_width:
                    columns = columns.from_column(start, item_units)
                    group_starts.append(start)
                in_flight.append(pool.submit(block, start, stop, columns))
                if len(in_flight) >= threads * BLOCKS_PER_THREAD:
                    _append_oldest(upper, in_flight, progress)
            while in_flight:
                _append_oldest(upper, in_flight, progress)
        finally:  # a cancelled training (progress raised) waits for the running blocks only
            for future in in_flight:
                future.cancel()
    del columns, item_units  # U's last suffix and U transposed go before the mirroring's peak
    return mirrored(upper.matrix(), group_starts)


def _append_oldest(rows: "SimilarityRows", in_flight: deque, progress):
    rows.append(in_flight.popleft().result())
    if progress is not None:
        progress(rows.n_rows / rows.n_items)


def unit_and_item_rows(unit_items: sp.csr_matrix) -> tuple:
    """(units x items, items x units): int32 CSR both ways, so that row slices of either are cheap.

    int32 counts are exact at half the bytes of float64.
    """
    unit_items = unit_items.astype(np.int32, copy=False)
    return unit_items, unit_items.T.tocsr()


def item_occurrences(item_units: sp.csr_matrix) -> np.ndarray:
    """c_ii, float64, shape (n_items,): the units that hold each item (a sum over disjoint sets of units)."""
    return np.diff(item_units.indptr).astype(np.float64)


def pair_costs(unit_items: sp.csr_matrix, item_units: sp.csr_matrix) -> np.ndarray:
    """Pair products of each row of C: the summed sizes of the units that hold the item, float64, shape (n_items,)."""
    n_items = item_units.shape[0]
    unit_sizes = np.diff(unit_items.indptr)
    item_of_entry = np.repeat(np.arange(n_items), np.diff(item_units.indptr))
    return np.bincount(item_of_entry, weights=unit_sizes[item_units.indices], minlength=n_items)


def row_blocks(costs: np.ndarray, pairs_per_block: float) -> list:
    """(start, stop) item-row ranges whose summed costs stay under `pairs_per_block` (at least one row each)."""
    n_items = costs.size
    cumulative = np.cumsum(costs)
    blocks, start = [], 0
    while start < n_items:
        base = cumulative[start - 1] if start else 0.0
        stop = int(np.searchsorted(cumulative, base + pairs_per_block, side="right"))
        stop = min(max(stop, start + 1), n_items)
        blocks.append((start, stop))
        start = stop
    return blocks


class ColumnSuffix:
    """U's columns from `first` on, renumbered from 0: what a group of item rows is multiplied by."""

    def __init__(self, unit_items: sp.csr_matrix, first: int = 0):
        self.matrix, self.first = unit_items, first

    def from_column(self, first: int, item_units: sp.csr_matrix) -> "ColumnSuffix":
        """This suffix without the columns before `first`. The units' entries in the dropped columns are counted
        from those columns' rows of `item_units` (U transposed), so only they are visited, not all of U."""
        matrix, dropped = self.matrix, first - self.first
        dropped_units = item_units.indices[item_units.indptr[self.first]:item_units.indptr[first]]
        drops = np.bincount(dropped_units, minlength=matrix.shape[0])
        indptr = matrix.indptr.copy()
        indptr[1:] -= np.cumsum(drops).astype(indptr.dtype, copy=False)
        keep = matrix.indices >= dropped
        indices = matrix.indices[keep]
        indices -= dropped
        return ColumnSuffix(sp.csr_matrix((matrix.data[keep], indices, indptr),
                                          shape=(matrix.shape[0], matrix.shape[1] - dropped)), first)

    def counts(self, item_units: sp.csr_matrix, start: int, stop: int) -> sp.csr_matrix:
        """Rows start..stop of C from column `first` on, in C's column numbers: int32 CSR, unsorted, nothing dropped."""
        counts = (item_units[start:stop] @ self.matrix).tocsr()
        counts.indices += self.first
        return sp.csr_matrix((counts.data, counts.indices, counts.indptr),
                             shape=(stop - start, self.first + self.matrix.shape[1]))


def mirrored(upper: sp.csr_matrix, group_starts: list) -> sp.csr_matrix:
    """The symmetric matrix whose rows `upper` holds from their group's first column on (groups of consecutive
    rows, starting at `group_starts`): each pair past its row's group is added at its mirror place too.
    The mirrored pairs and `upper`'s are disjoint, so their sum copies each value as it is."""
    n_items = upper.shape[0]
    bounds = np.append(group_starts, n_items)
    group_ends = np.repeat(bounds[1:], np.diff(bounds))
    beyond = upper.indices >= np.repeat(group_ends, np.diff(upper.indptr))
    kept = np.concatenate(([0], np.cumsum(beyond)))[upper.indptr]
    outer = sp.csr_matrix((upper.data[beyond], upper.indices[beyond], kept), shape=upper.shape)
    del beyond, kept
    lower = outer.T.tocsr()  # a transpose's rows come out sorted
    del outer
    return upper + lower


def cooccurrence_counts(unit_items: sp.csr_matrix, item_units: sp.csr_matrix, start: int, stop: int) -> sp.csr_matrix:
    """Rows start..stop of C = U^T U, int32 CSR, shape (stop - start, n_items), unsorted, nothing dropped."""
    return (item_units[start:stop] @ unit_items).tocsr()


def similarity_rows(counts: sp.csr_matrix, start: int, occurrences: np.ndarray, support_threshold: int,
                    similarity_function: SimilarityFunction) -> sp.csr_matrix:
    """Similarity rows from the co-occurrence counts of rows start.. (all units summed): float64 CSR.

    Counts below `support_threshold` are dropped; indices come out sorted. `counts` is consumed:
    its index array is the result's, its values are dropped.
    """
    counts.data[counts.data < support_threshold] = 0
    counts.eliminate_zeros()
    counts.sort_indices()
    row_occurrences = np.repeat(occurrences[start:start + counts.shape[0]], np.diff(counts.indptr))
    values = SIMILARITY_FUNCTIONS[similarity_function](
        counts.data.astype(np.float64), row_occurrences, occurrences[counts.indices])
    return sp.csr_matrix((values, counts.indices, counts.indptr), shape=counts.shape)


class SimilarityRows:
    """The similarity matrix, built from consecutive blocks of rows appended in order.

    The blocks' indices and values go to arrays that grow in place: ndarray.resize
    reallocates, which for arrays this large moves pages (mremap) instead of
    copying them, so the result is never held twice.
    """

    def __init__(self, n_items: int):
        self.n_items = n_items
        self._indptr = np.zeros(n_items + 1, dtype=np.int64)
        self.n_rows = 0  # rows appended so far
        self._indices = np.empty(0, dtype=np.int32)
        self._data = np.empty(0, dtype=np.float64)

    def append(self, block: sp.csr_matrix):
        """Add the next block of rows (CSR with sorted indices)."""
        start, stop = self.n_rows, self.n_rows + block.shape[0]
        self._indptr[start + 1:stop + 1] = self._indptr[start] + block.indptr[1:]
        self._indices = _extended(self._indices, block.indices)
        self._data = _extended(self._data, block.data)
        self.n_rows = stop

    def matrix(self) -> sp.csr_matrix:
        """The (n_items x n_items) CSR matrix once every row is in; its arrays are this builder's."""
        if self.n_rows != self.n_items:
            raise ValueError(f"only {self.n_rows} of {self.n_items} similarity rows were appended")
        indptr = self._indptr
        if indptr[-1] <= np.iinfo(np.int32).max:
            indptr = indptr.astype(np.int32)
        return sp.csr_matrix((self._data, self._indices, indptr), shape=(self.n_items, self.n_items))


def _extended(array: np.ndarray, values: np.ndarray) -> np.ndarray:
    size = array.size
    array.resize(size + values.size, refcheck=False)
    array[size:] = values
    return array
