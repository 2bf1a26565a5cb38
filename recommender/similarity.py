"""Item co-occurrence and item-item similarity, sparse end to end.

C = U^T U, with U the binary (units x items) matrix of which unit (a user, or
a user's basket at one timestamp) used which item: c_ij counts the units that
hold both items, c_ii the units that hold item i. Counts below the support
threshold are dropped. C is computed in blocks of item rows so that no block
of pair counts, thresholded or not, ever exists whole, and each kept block is
appended to arrays that grow in place: memory stays in proportion to the
pairs kept, the result never exists twice, and nothing items x items is dense.
"""
from typing import Callable, Optional

import numpy as np
import scipy.sparse as sp

from .parameters import SimilarityFunction

PAIRS_PER_BLOCK = 4_000_000
"""Upper bound of pair products computed at once (tens of bytes each while a block is built)."""


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
) -> sp.csr_matrix:
    """Sparse (items x items) similarity from a binary (units x items) CSR matrix.

    Parameters
    ----------
    unit_items : csr_matrix, shape (n_units, n_items), one stored 1 per (unit, item) used
    support_threshold : co-occurrence counts below it are dropped
    similarity_function : Jaccard, Lift or Cooccurrence
    progress : called with the fraction of item rows done, between blocks

    Returns
    -------
    csr_matrix, shape (n_items, n_items), float64, symmetric, diagonal kept,
    sorted indices.
    """
    n_items = unit_items.shape[1]
    unit_items = unit_items.astype(np.int32, copy=False)  # exact counts at half the bytes of float64
    item_units = unit_items.T.tocsr()  # (items x units): row slices are cheap
    occurrences = np.diff(item_units.indptr).astype(np.float64)  # c_ii
    similarity_of = SIMILARITY_FUNCTIONS[similarity_function]
    indptr = np.zeros(n_items + 1, dtype=np.int64)
    indices, data = _GrowingArray(np.int32), _GrowingArray(np.float64)
    for start, stop in _row_blocks(item_units, unit_items):
        counts = (item_units[start:stop] @ unit_items).tocsr()
        counts.data[counts.data < support_threshold] = 0
        counts.eliminate_zeros()
        counts.sort_indices()
        row_occurrences = np.repeat(occurrences[start:stop], np.diff(counts.indptr))
        values = similarity_of(counts.data.astype(np.float64), row_occurrences, occurrences[counts.indices])
        indptr[start + 1 : stop + 1] = indptr[start] + counts.indptr[1:]
        indices.extend(counts.indices)
        data.extend(values)
        del counts, row_occurrences, values  # before the next block is computed
        if progress is not None:
            progress(stop / n_items)
    if indptr[-1] <= np.iinfo(np.int32).max:
        indptr = indptr.astype(np.int32)
    return sp.csr_matrix((data.array, indices.array, indptr), shape=(n_items, n_items))


class _GrowingArray:
    """A 1-D array that blocks are appended to in place.

    ndarray.resize reallocates, which for arrays this large moves pages
    (mremap) instead of copying them: the result is never held twice.
    """

    def __init__(self, dtype):
        self.array = np.empty(0, dtype=dtype)

    def extend(self, values: np.ndarray):
        size = self.array.size
        self.array.resize(size + values.size, refcheck=False)
        self.array[size:] = values


def _row_blocks(item_units: sp.csr_matrix, unit_items: sp.csr_matrix):
    """Yield (start, stop) item-row ranges whose pair products stay under PAIRS_PER_BLOCK."""
    n_items = item_units.shape[0]
    unit_sizes = np.diff(unit_items.indptr)
    item_of_entry = np.repeat(np.arange(n_items), np.diff(item_units.indptr))
    # Row i of C costs the summed sizes of all the units that hold item i.
    products = np.bincount(item_of_entry, weights=unit_sizes[item_units.indices], minlength=n_items)
    cumulative = np.cumsum(products)
    start = 0
    while start < n_items:
        base = cumulative[start - 1] if start else 0.0
        stop = int(np.searchsorted(cumulative, base + PAIRS_PER_BLOCK, side="right"))
        stop = min(max(stop, start + 1), n_items)
        yield start, stop
        start = stop
