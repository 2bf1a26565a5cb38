"""item_similarity computed in blocks of item rows equals one dense computation of the formulas."""
import numpy as np
import pytest
import scipy.sparse as sp

import recommender.similarity
from recommender.parameters import SimilarityFunction
from recommender.similarity import item_similarity

FUNCTIONS = list(SimilarityFunction)


def random_unit_items(seed: int = 7, units: int = 40, items: int = 30) -> sp.csr_matrix:
    """A binary (units x items) matrix with an empty item column and an empty unit row."""
    used = np.random.default_rng(seed).random((units, items)) < 0.25
    used[:, 5] = False  # an item nobody used
    used[3, :] = False  # a unit that used nothing
    return sp.csr_matrix(used.astype(np.float64))


def dense_similarity(unit_items: sp.csr_matrix, threshold: int, function: SimilarityFunction) -> np.ndarray:
    """The module docstring's formulas on dense arrays: C = U^T U, counts below threshold dropped."""
    u = unit_items.toarray()
    counts = u.T @ u
    diagonal = np.diag(counts)
    c_ii, c_jj = diagonal[:, None], diagonal[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        similarity = {
            SimilarityFunction.JACCARD: counts / (c_ii + c_jj - counts),
            SimilarityFunction.LIFT: counts / (c_ii * c_jj),
            SimilarityFunction.COOCCURRENCE: counts,
        }[function]
    return np.where(counts >= threshold, similarity, 0.0)


def blocks_of(unit_items, threshold, function) -> tuple:
    """(similarity, number of blocks): progress is called once after each block."""
    fractions = []
    similarity = item_similarity(unit_items, threshold, function, progress=fractions.append)
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    return similarity, len(fractions)


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("threshold", [1, 3])
def test_equals_the_dense_formulas(function, threshold):
    unit_items = random_unit_items()
    expected = dense_similarity(unit_items, threshold, function)
    similarity, _ = blocks_of(unit_items, threshold, function)
    assert expected[expected > 0].size > 100  # the data leaves plenty of pairs to compare
    np.testing.assert_allclose(similarity.toarray(), expected, rtol=1e-12, atol=0)
    assert similarity.nnz == np.count_nonzero(expected)  # nothing below the threshold is stored
    assert similarity.has_sorted_indices


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("pairs_per_block", [1, 300])
def test_tiny_blocks_give_the_same_matrix(monkeypatch, function, pairs_per_block):
    unit_items = random_unit_items(seed=11)
    whole, whole_blocks = blocks_of(unit_items, 2, function)
    monkeypatch.setattr(recommender.similarity, "PAIRS_PER_BLOCK", pairs_per_block)
    blocked, block_count = blocks_of(unit_items, 2, function)
    assert whole_blocks == 1
    if pairs_per_block == 1:
        assert block_count == 30  # a block never holds less than one item row
    else:
        assert 1 < block_count < 30  # blocks of several rows
    assert blocked.shape == whole.shape
    np.testing.assert_array_equal(blocked.indptr, whole.indptr)
    np.testing.assert_array_equal(blocked.indices, whole.indices)
    np.testing.assert_array_equal(blocked.data, whole.data)


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("groups", [2, 7, 120])
def test_counting_the_upper_half_and_mirroring_gives_the_whole_count_bit_for_bit(monkeypatch, function, groups):
    monkeypatch.setattr(recommender.similarity, "PAIRS_PER_BLOCK", 300)
    unit_items = random_unit_items(seed=5, units=300, items=120)
    monkeypatch.setattr(recommender.similarity, "COLUMN_GROUPS", 1)  # every row counted over every column
    whole = item_similarity(unit_items, 2, function)
    monkeypatch.setattr(recommender.similarity, "COLUMN_GROUPS", groups)
    suffixes = []
    from_column = recommender.similarity.ColumnSuffix.from_column
    monkeypatch.setattr(recommender.similarity.ColumnSuffix, "from_column",
                        lambda self, first, *rest: suffixes.append(first) or from_column(self, first, *rest))
    halved = item_similarity(unit_items, 2, function)
    assert len(suffixes) >= min(groups, 10) - 1  # the rows were counted in groups, without earlier columns
    np.testing.assert_array_equal(halved.toarray(), halved.T.toarray())
    for name in ("indptr", "indices", "data"):
        assert getattr(whole, name).tobytes() == getattr(halved, name).tobytes(), name


@pytest.mark.parametrize("function", FUNCTIONS)
def test_one_thread_and_two_give_the_same_matrix_bit_for_bit(function, monkeypatch):
    monkeypatch.setattr(recommender.similarity, "PAIRS_PER_BLOCK", 300)  # dozens of blocks, many in flight
    unit_items = random_unit_items(seed=11, units=300, items=120)
    one = item_similarity(unit_items, 2, function, threads=1)
    fractions = []
    two = item_similarity(unit_items, 2, function, progress=fractions.append, threads=2)
    assert len(fractions) > 10 and fractions == sorted(fractions) and fractions[-1] == 1.0
    for name in ("indptr", "indices", "data"):
        assert getattr(one, name).tobytes() == getattr(two, name).tobytes(), name


def test_a_cancelled_count_stops_at_the_blocks_in_flight(monkeypatch):
    monkeypatch.setattr(recommender.similarity, "PAIRS_PER_BLOCK", 50)
    computed = []
    counts = recommender.similarity.ColumnSuffix.counts
    monkeypatch.setattr(recommender.similarity.ColumnSuffix, "counts",
                        lambda self, *arguments: computed.append(arguments[1]) or counts(self, *arguments))

    def cancel(fraction):
        raise RuntimeError("cancelled")

    unit_items = random_unit_items(seed=3, units=200, items=100)
    with pytest.raises(RuntimeError, match="cancelled"):
        item_similarity(unit_items, 1, SimilarityFunction.JACCARD, progress=cancel, threads=2)
    assert 0 < len(computed) <= 2 * recommender.similarity.BLOCKS_PER_THREAD
