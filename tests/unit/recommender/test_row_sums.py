"""weighted_row_sum against scipy's own row indexing and product, bit for bit (it calls a private scipy
kernel: an upgrade that changed the kernel would fail here, not in production)."""
import numpy as np
import pytest
import scipy.sparse as sp

from recommender import row_sums
from recommender.row_sums import weighted_row_sum


def random_matrix(rng, n=300, density=0.05, index_dtype=np.int32, empty_row=5):
    dense = sp.random(n, n, density=density, random_state=rng, dtype=np.float64).toarray()
    dense[empty_row] = 0  # an empty row, to be picked too
    matrix = sp.csr_matrix(dense)
    matrix.indices, matrix.indptr = matrix.indices.astype(index_dtype), matrix.indptr.astype(index_dtype)
    return matrix


@pytest.fixture(params=["compiled kernel", "public fallback"])
def kernel(request, monkeypatch):
    if request.param == "public fallback":
        monkeypatch.setattr(row_sums, "_sparsetools", None)
    return request.param


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
def test_it_equals_the_rows_weighted_sum_for_any_rows(index_dtype, kernel):
    rng = np.random.default_rng(3)
    matrix = random_matrix(rng, index_dtype=index_dtype)
    for rows in (np.array([5]), np.array([0, 299]), np.array([10, 11, 12]), np.array([200, 3, 150, 5, 42]),
                 rng.choice(300, size=60, replace=False)):
        weights = rng.uniform(0.1, 2.0, rows.size)
        ascending = np.argsort(rows)
        expected = matrix[rows[ascending]].T @ weights[ascending]  # what recommend computed before
        np.testing.assert_array_equal(weighted_row_sum(matrix, rows, weights), expected)  # to the last bit


def test_exact_on_exactly_representable_values_and_untouched_columns_stay_zero(kernel):
    dense = np.array([[0, 1, 0, 2],
                      [3, 0, 0, 0],
                      [0, 4, 0, 5],
                      [6, 0, 0, 7]], dtype=np.float64)
    matrix = sp.csr_matrix(dense)
    # rows 2 and 0, weights 0.5 and 2: 0.5 * [0, 4, 0, 5] + 2 * [0, 1, 0, 2]
    np.testing.assert_array_equal(weighted_row_sum(matrix, np.array([2, 0]), np.array([0.5, 2.0])),
                                  [0.0, 4.0, 0.0, 6.5])
    np.testing.assert_array_equal(weighted_row_sum(matrix, np.array([3]), np.array([1.0])), dense[3])


def test_no_rows_give_zeros_and_the_matrix_is_left_as_it_was(kernel):
    matrix = random_matrix(np.random.default_rng(4), n=50)
    before = (matrix.data.copy(), matrix.indices.copy(), matrix.indptr.copy())
    np.testing.assert_array_equal(weighted_row_sum(matrix, np.empty(0, np.int64), np.empty(0)), np.zeros(50))
    weighted_row_sum(matrix, np.array([1, 7]), np.array([1.0, 2.0]))
    for array, saved in zip((matrix.data, matrix.indices, matrix.indptr), before):
        np.testing.assert_array_equal(array, saved)
