"""A weighted sum of a few rows of a large CSR matrix, without copying the rows out.

`matrix[rows].T @ weights` copies every picked row (hundreds of thousands of entries for 20 long rows of a
60k-item similarity) and pays scipy's indexing checks: together more than half of a personalized request.
Here scipy's compiled CSC matrix-vector kernel reads each row where it is, as a one-column matrix whose
column pointer is the row's [start, stop] in the CSR arrays, and adds it into one output vector.
"""
import numpy as np
import scipy.sparse as sp

try:
    from scipy.sparse import _sparsetools  # private, but its kernels' signatures have been stable for a decade
except ImportError:  # a scipy without it: the public product, slower but the same numbers
    _sparsetools = None

__all__ = ["weighted_row_sum"]


def weighted_row_sum(matrix: sp.csr_matrix, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """sum_i weights[i] * matrix[rows[i], :] as a dense float64 vector of length matrix.shape[1].

    `rows` are distinct row indices. The rows are added in ascending order, as `matrix[rows].T @ weights`
    adds them for ascending rows: the result is the same to the last bit.
    """
    if _sparsetools is None:
        ascending = np.argsort(rows)
        return np.asarray(matrix[np.asarray(rows)[ascending]].T @ np.asarray(weights, np.float64)[ascending])
    sums = np.zeros(matrix.shape[1])
    indptr, indices, data = matrix.indptr, matrix.indices, np.asarray(matrix.data, dtype=np.float64)
    bounds, weight = np.empty(2, dtype=indices.dtype), np.empty(1)
    for row, value in sorted(zip(np.asarray(rows).tolist(), np.asarray(weights, dtype=np.float64).tolist())):
        bounds[0], bounds[1], weight[0] = indptr[row], indptr[row + 1], value
        _sparsetools.csc_matvec(matrix.shape[1], 1, bounds, indices, data, weight, sums)
    return sums
