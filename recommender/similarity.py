"""Item co-occurrence and item-item similarity, sparse end to end.

C = U^T U, with U the binary (units x items) matrix of which unit (a user, or
a user's basket at one timestamp) used which item: c_ij counts the units that
hold both items, c_ii the units that hold item i. Counts below the support
threshold are dropped. C is computed in blocks of item rows so that no block
of pair counts, thresholded or not, ever exists whole: memory stays in
proportion to the pairs kept, and nothing items x items is ever dense.
"""
from typing import Callable, Optional

import numpy as np
import scipy.sparse as sp

from .parameters import SimilarityFunction

PAIRS_PER_BLOCK = 20_000_000
"""Upper bound of pair products computed at once (about 16 bytes each while they are summed)."""


def jaccard(counts: sp.csr_matrix, rows: np.ndarray, occurrences: np.ndarray) -> np.ndarray:
    """s_ij = c_ij / (c_ii + c_jj - c_ij) for the stored entries of a block of rows of C."""
    columns = occurrences[counts.indices]
    return counts.data / (occurrences[rows] + columns - counts.data)


def lift(counts: sp.csr_matrix, rows: np.ndarray, occurrences: np.ndarray) -> np.ndarray:
    """s_ij = c_ij / (c_ii * c_jj) for the stored entries of a block of rows of C."""
    return counts.data / (occurrences[rows] * occurrences[counts.indices])


def cooccurrence(counts: sp.csr_matrix, rows: np.ndarray, occurrences: np.ndarray) -> np.ndarray:
    """s_ij = c_ij for the stored entries of a block of rows of C."""
    return counts.data.astype(np.float64)


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
    item_units = unit_items.T.tocsr()  # (items x units): row slices are cheap
    occurrences = np.diff(item_units.indptr).astype(np.float64)  # c_ii
    similarity_of = SIMILARITY_FUNCTIONS[similarity_function]
    blocks = []
    for start, stop in _row_blocks(item_units, unit_items):
        counts = (item_units[start:stop] @ unit_items).tocsr()
        counts.data[counts.data < support_threshold] = 0
        counts.eliminate_zeros()
        counts.sort_indices()
        rows = start + np.repeat(np.arange(stop - start), np.diff(counts.indptr))
        counts.data = similarity_of(counts, rows, occurrences)
        blocks.append(counts)
        if progress is not None:
            progress(stop / n_items)
    if not blocks:
        return sp.csr_matrix((n_items, n_items), dtype=np.float64)
    return sp.vstack(blocks, format="csr")


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
