"""Top-k selection: every shortcut must agree with a full sort by (-score, index)."""
import numpy as np
import pytest

from recommender.ranking import FEW_EXCLUDED, SAMPLE_STRIDE, backfill, top_k, top_k_dense, top_k_excluding


def full_sort(items, scores, k):
    """The definition: positive scores only, best first, ties to the lower index."""
    order = sorted((-s, i) for i, s in zip(items.tolist(), scores.tolist()) if s > 0)
    return [i for _, i in order[:k]], [-s for s, _ in order[:k]]


def test_top_k_breaks_ties_by_lower_index():
    items, scores = top_k(np.array([7, 3, 5, 1]), np.array([0.5, 0.5, 0.9, 0.5]), 3)
    assert items.tolist() == [5, 1, 3]
    assert scores.tolist() == [0.9, 0.5, 0.5]


def test_top_k_excluding_skips_excluded_and_non_positive_but_still_fills_k():
    items = np.array([0, 1, 2, 3, 4])
    scores = np.array([0.9, 0.8, 0.0, 0.7, -0.1])
    best, best_scores = top_k_excluding(items, scores, 2, excluded=np.array([0]))
    assert best.tolist() == [1, 3]
    assert best_scores.tolist() == [0.8, 0.7]
    best, _ = top_k_excluding(items, scores, 5, excluded=np.array([3]))
    assert best.tolist() == [0, 1]  # 2 (zero) and 4 (negative) never come back


@pytest.mark.parametrize("seed", range(20))
def test_top_k_dense_equals_a_full_sort(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 5000))
    # Few distinct values, many zeros and some negatives: ties and sparse positives on purpose.
    scores = rng.choice([0.0, 0.0, 0.0, -1.0, 0.25, 0.5, 1.0, 2.0], size=n) * rng.choice([1.0, 1.0, 3.0], size=n)
    k = int(rng.integers(1, 40))
    items, best_scores = top_k_dense(scores, k)
    expected_items, expected_scores = full_sort(np.arange(n), scores, k)
    assert items.tolist() == expected_items
    assert best_scores.tolist() == expected_scores


def test_top_k_dense_when_the_sample_misses_the_best_items():
    # Only items off the sampled positions score, and the sampled ones all score low.
    scores = np.zeros(SAMPLE_STRIDE * 100)
    scores[::SAMPLE_STRIDE] = 0.1
    scores[1::SAMPLE_STRIDE][:5] = [5.0, 4.0, 3.0, 2.0, 1.0]
    items, _ = top_k_dense(scores, 7)
    assert items.tolist() == [1, 17, 33, 49, 65, 0, 16]


def test_backfill_skips_excluded_items_in_popularity_order():
    assert backfill(np.array([4, 2, 0, 1, 3]), np.array([2, 1]), 2).tolist() == [4, 0]
    assert backfill(np.array([4, 2]), np.array([4, 2]), 3).tolist() == []


def test_many_exclusions_keep_items_below_between_and_above_them():
    excluded = np.array([7, 3, 5, 9])  # more than FEW_EXCLUDED, unsorted
    assert FEW_EXCLUDED < excluded.size
    assert backfill(np.array([12, 9, 0, 5, 4, 3, 10, 8, 7]), excluded, 9).tolist() == [12, 0, 4, 10, 8]


@pytest.mark.parametrize("excluded_count", [0, 1, FEW_EXCLUDED, FEW_EXCLUDED + 1, 200])
def test_few_and_many_exclusions_skip_the_same_items(excluded_count):
    rng = np.random.default_rng(excluded_count)
    popular, items = rng.permutation(1000), rng.permutation(1000)[:300]
    scores = rng.uniform(-0.2, 1.0, items.size)
    excluded = rng.choice(1000, size=excluded_count, replace=False)
    kept = [i for i in popular.tolist() if i not in set(excluded.tolist())]
    assert backfill(popular, excluded, 50).tolist() == kept[:50]
    expected = [i for i in full_sort(items, scores, 300)[0] if i not in set(excluded.tolist())][:20]
    assert top_k_excluding(items, scores, 20, excluded)[0].tolist() == expected


@pytest.mark.parametrize("seed", range(10))
def test_top_k_on_long_lists_equals_a_full_sort(seed):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(SAMPLE_STRIDE * 50, SAMPLE_STRIDE * 400))
    items = rng.permutation(n * 2)[:n]
    scores = rng.choice([0.25, 0.5, 1.0, 2.0, 3.0], size=n) * rng.choice([1.0, 1.0, 1.5], size=n)
    k = int(rng.integers(1, 100))
    best, best_scores = top_k(items, scores, k)
    expected_items, expected_scores = full_sort(items, scores, k)
    assert best.tolist() == expected_items
    assert best_scores.tolist() == expected_scores


def test_an_event_batch_of_columns_scores_like_one_of_an_event_table():
    from recommender import EventBatch, SARParameters, event_weight, fit, make_events, resolve_weights
    from recommender.scoring import recommend

    model = fit(make_events(["u1", "u1", "u2", "u2", "u3"], ["A", "B", "B", "C", "A"],
                                     [0.0, 10.0, 20.0, 30.0, 40.0]), SARParameters(support_threshold=1))
    types, explicit = ["Purchase", None, "RemoveShopCart"], [None, 2.5, None]
    weights = [event_weight(t, w) for t, w in zip(types, explicit)]
    assert weights == resolve_weights(types, [float("nan") if w is None else w for w in explicit]).tolist()
    columns = {"item_id": ["A", "unknown", "C"], "timestamp": [50.0, 60.0, float("nan")], "weight": weights}
    table = make_events([None] * 3, columns["item_id"], columns["timestamp"], columns["weight"])
    from_columns = EventBatch.of(columns["item_id"], columns["timestamp"], columns["weight"])
    from_table = EventBatch.from_table(table)
    assert recommend(model, events=from_columns, k=3) == recommend(model, events=from_table, k=3)
    # A (weight 4, at t_ref) and C (weight -1, no timestamp) are seeds; B scores 4 S[A, B] - S[C, B].
    assert recommend(model, events=from_columns, k=3) == [("B", pytest.approx(4 / 3 - 1 / 2))]
    with pytest.raises(KeyError):
        event_weight("NoSuchType", None)
