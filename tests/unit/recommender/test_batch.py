"""recommend_block answers, user for user and bit for bit, what scoring.recommend answers (issue 23)."""
import numpy as np
import pytest
import scipy.sparse as sp

from recommender import SARParameters, batch, fit, make_events, pruned_rows, scoring
from recommender.batch import recommend_block
from recommender.pruned_rows import prune
from recommender.pruned_scores import block_top_k
from recommender.rules import Rules


def random_model(seed: int, users=60, items=40, events=400, categories=True, **params):
    """A model on random usage with ties (integer weights, few timestamps), negative weights and categories."""
    rng = np.random.default_rng(seed)
    user_ids = [f"u{u}" for u in rng.integers(0, users, events)]
    item_ids = [f"i{i}" for i in (rng.zipf(1.5, events) % items)]
    timestamps = 1.7e9 + rng.integers(0, 5, events) * 86400.0
    weights = rng.choice([1.0, 2.0, 4.0, -1.0], events, p=[0.6, 0.2, 0.15, 0.05])
    params = {"support_threshold": 1, "enable_user_to_item": True, **params}
    model = fit(make_events(user_ids, item_ids, timestamps, weights), SARParameters(**params))
    if categories:
        model = model.with_item_categories(model.item_ids, [f"c{hash(i) % 4}" if i.endswith(("1", "3", "7")) else ""
                                                             for i in model.item_ids])
    return model


def assert_block_equals_recommend(model, k, rules=None, rows=None):
    rows = np.arange(len(model.user_ids)) if rows is None else rows
    block = recommend_block(model, rows, k, rules)
    assert block.counts.sum() == block.item_indices.size
    at = 0
    for row, count in zip(block.user_rows.tolist(), block.counts.tolist()):
        expected = scoring.recommend(model, user_id=model.user_ids[row], k=k, rules=rules)
        got = list(zip(model.item_ids[block.item_indices[at:at + count]].tolist(),
                       block.scores[at:at + count].tolist()))
        assert got == [tuple(answer) for answer in expected], f"user {model.user_ids[row]}"
        at += count


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [1, 3, 10])
def test_unfiltered_block_equals_recommend(seed, k):
    assert_block_equals_recommend(random_model(seed), k)


@pytest.mark.parametrize("params", [
    {"allow_seed_items": True}, {"enable_backfilling": False}, {"enable_user_affinity": False},
    {"similarity_function": "Lift"}, {"similarity_function": "Cooccurrence", "support_threshold": 2},
])
def test_parameters_keep_block_equal_to_recommend(params):
    for seed in range(3):
        assert_block_equals_recommend(random_model(seed, **params), 5)


@pytest.mark.parametrize("rules", [
    Rules(include_item_ids=("i1", "i2", "i3", "i5", "i8", "i13", "nope")),
    Rules(item_id_prefix="i1"),
    Rules(exclude_item_ids=("i0", "i1", "i2")),
    Rules(max_per_category=1),
    Rules(max_per_category=1, category_window=3, exclude_item_ids=("i4",)),
    Rules(include_item_ids=()),
])
def test_rules_keep_block_equal_to_recommend(rules):
    for seed in range(3):
        assert_block_equals_recommend(random_model(seed), 6, rules)


def test_long_rows_use_the_sampled_floor_and_still_agree():
    """Enough items that the strided sample sets a positive floor (more than 4k samples per row)."""
    model = random_model(11, users=80, items=900, events=6000, categories=False)
    assert_block_equals_recommend(model, 5)


def test_a_block_in_any_order_and_with_repeats():
    model = random_model(3)
    assert_block_equals_recommend(model, 4, rows=np.array([5, 0, 5, 17]))


def test_a_model_without_histories_is_refused():
    model = random_model(0, enable_user_to_item=False)
    with pytest.raises(ValueError, match="user histories"):
        recommend_block(model, np.array([0]), 3)


@pytest.mark.parametrize("params", [{}, {"enable_backfilling": False}, {"allow_seed_items": True}])
@pytest.mark.parametrize("rules", [None, Rules(exclude_item_ids=("i0", "i1", "i2", "i3")), Rules(item_id_prefix="i1")])
def test_long_rows_and_heavy_users_agree_under_rules_without_backfill(params, rules):
    """Rows long enough for the sampled floors, users with many seeds (the floor must sit below k + seeds),
    exclusions among the best items, and no backfill to hide a row that came out short."""
    model = random_model(5, users=200, items=1200, events=8000, categories=False, **params)
    assert_block_equals_recommend(model, 8, rules)


def clustered_model(seed: int, users=150, clusters=4, cluster_size=15, popular=3, events=3000, **params):
    """Planted clusters plus a few items everyone uses (bench/synth.py's shape, small): the popular items'
    similarity rows hold every item, the others mostly their cluster's; ties from integer weights."""
    rng = np.random.default_rng(seed)
    users_of = rng.integers(0, users, events)
    in_cluster = rng.random(events) < 0.8
    own = popular + (users_of % clusters) * cluster_size + rng.integers(0, cluster_size, events)
    items_of = np.where(in_cluster, own, rng.integers(0, popular, events))
    timestamps = 1.7e9 + rng.integers(0, 5, events) * 86400.0
    weights = rng.choice([1.0, 2.0, 4.0], events, p=[0.6, 0.25, 0.15])
    params = {"support_threshold": 1, "enable_user_to_item": True, **params}
    model = fit(make_events([f"u{u}" for u in users_of], [f"i{i}" for i in items_of], timestamps, weights),
                SARParameters(**params))
    return model.with_item_categories(model.item_ids, [f"c{int(i[1:]) % 3}" for i in model.item_ids])


@pytest.fixture
def small_heavy_rows(monkeypatch):
    """Rows of more than 30 entries are heavy and keep their 5 best: the popular items' rows of clustered_model."""
    monkeypatch.setattr(pruned_rows, "HEAVY_ROW", 30)
    monkeypatch.setattr(pruned_rows, "HEAD_SIZE", 5)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("params", [
    {}, {"similarity_function": "Lift"}, {"similarity_function": "Cooccurrence"}, {"enable_user_affinity": False},
    {"allow_seed_items": True}, {"enable_backfilling": False},
])
def test_pruned_rows_keep_block_equal_to_recommend(small_heavy_rows, seed, params):
    model = clustered_model(seed, **params)
    for k in (1, 5, 10):
        assert_block_equals_recommend(model, k)


@pytest.mark.parametrize("rules", [
    Rules(include_item_ids=tuple(f"i{i}" for i in range(0, 63, 2))),
    Rules(item_id_prefix="i1"),
    Rules(exclude_item_ids=("i0", "i3", "i4", "i18")),
    Rules(max_per_category=2),
    Rules(include_item_ids=("i1", "i5")),
])
def test_pruned_rows_under_rules(small_heavy_rows, rules):
    for seed in range(3):
        assert_block_equals_recommend(clustered_model(seed), 5, rules)


def test_the_bounds_settle_most_users_of_a_clustered_model(small_heavy_rows):
    """Guards the fast path itself: equal answers alone would pass if every user fell back."""
    model = clustered_model(0)
    pruned = batch.pruned_similarity(model)
    assert np.count_nonzero(pruned.tails) == 3  # the popular items' rows were cut
    settled = block_top_k(pruned, model.user_affinity, 5).settled
    assert settled.mean() > 0.7


def test_the_dense_table_of_heavy_rows_is_capped_to_the_longest_rows(small_heavy_rows, monkeypatch):
    model = clustered_model(1)
    lengths = np.diff(model.similarity.indptr)
    monkeypatch.setattr(pruned_rows, "HEAVY_TABLE_BYTES", 2 * 8 * model.n_items)  # room for two rows
    pruned = batch.pruned_similarity(model)
    assert pruned.heavy_rows.shape == (2, model.n_items)
    cut = np.flatnonzero(pruned.tails)
    assert cut.size == 2 and set(lengths[cut]) <= set(np.sort(lengths)[-2:])  # the two longest were cut
    for k in (1, 5):
        assert_block_equals_recommend(model, k)


def test_negative_affinities_take_the_exact_path(small_heavy_rows):
    model = random_model(4)  # weights of -1: some users have an item with a negative affinity
    negative = np.unique(np.repeat(np.arange(model.user_affinity.shape[0]), np.diff(model.user_affinity.indptr))[
        model.user_affinity.data < 0])
    assert negative.size
    settled = block_top_k(batch.pruned_similarity(model), model.user_affinity, 3).settled
    assert not settled[negative].any()
    assert_block_equals_recommend(model, 3)


@pytest.mark.parametrize("matrix", [
    [[1.0, -0.5], [-0.5, 1.0]],  # negative: partial sums are no lower bound
    [[1.0, 0.5], [0.25, 1.0]],  # not symmetric: a candidate's row is not its column
    [[1.0, np.inf], [np.inf, 1.0]],
])
def test_a_similarity_the_bounds_cannot_serve_is_not_pruned(matrix):
    assert prune(sp.csr_matrix(np.array([[1.0, 0.5], [0.5, 1.0]]))) is not None
    assert prune(sp.csr_matrix(np.array(matrix))) is None


def test_an_empty_block_gives_no_answer(small_heavy_rows):
    model = clustered_model(2)
    empty = batch.recommend_block(model, np.array([], dtype=np.int64), 5)
    assert empty.counts.size == empty.item_indices.size == empty.scores.size == 0
    settled = block_top_k(batch.pruned_similarity(model), model.user_affinity[np.array([], np.int64)], 5)
    assert settled.settled.size == 0 and settled.items.shape[0] == 0
