"""EventPairs: the binary user-item matrix and each pair's maxima and first event, from one sort."""
import numpy as np
import pytest
import scipy.sparse as sp

import recommender.event_pairs as event_pairs
from recommender.event_pairs import EventPairs


def random_events(seed: int, n_events: int, n_users: int = 7, n_items: int = 11) -> tuple:
    rng = np.random.default_rng(seed)
    return rng.integers(0, n_users, n_events), rng.integers(0, n_items, n_events), (n_users, n_items)


@pytest.mark.parametrize("wide_keys", [False, True])
def test_the_binary_matrix_is_the_summed_coo_matrix_made_binary(monkeypatch, wide_keys):
    if wide_keys:  # keys too wide to pack positions beside them: the argsort path
        events_by_pair = event_pairs._events_by_pair
        monkeypatch.setattr(event_pairs, "_events_by_pair",
                            lambda users, items, n_items: _narrowed(events_by_pair(users, items, n_items << 55),
                                                                    n_items, 55))
    for seed in range(20):
        users, items, shape = random_events(seed, n_events=seed * 7)
        expected = sp.coo_matrix((np.ones(users.size, np.int32), (users, items)), shape=shape).tocsr()
        expected.sum_duplicates()
        expected.data[:] = 1
        got = EventPairs(users, items, shape).binary_matrix()
        assert got.shape == shape and got.has_sorted_indices
        assert got.dtype == np.int32 and got.indices.dtype == np.int32 and got.indptr.dtype == np.int32
        np.testing.assert_array_equal(got.indptr, expected.indptr)
        np.testing.assert_array_equal(got.indices, expected.indices)
        np.testing.assert_array_equal(got.data, expected.data)


def _narrowed(result: tuple, n_items: int, shift: int) -> tuple:
    """The keys of a run with items spread by `shift` bits, back to user * n_items + item."""
    order, starts, keys = result
    return order, starts, (keys // (n_items << shift)) * n_items + keys % (n_items << shift)


@pytest.mark.parametrize("wide_keys", [False, True])
def test_each_pairs_largest_value_goes_to_its_first_event(monkeypatch, wide_keys):
    n_events = 5000 if wide_keys else 60  # long runs, which numpy's argsort leaves out of position order
    if wide_keys:
        events_by_pair = event_pairs._events_by_pair
        monkeypatch.setattr(event_pairs, "_events_by_pair",
                            lambda users, items, n_items: _narrowed(events_by_pair(users, items, n_items << 55),
                                                                    n_items, 55))
    users, items, shape = random_events(3, n_events=n_events, n_users=4, n_items=5)
    values = np.random.default_rng(4).random(n_events)
    expected, seen = np.zeros(n_events), {}
    for position, pair in enumerate(zip(users.tolist(), items.tolist())):
        first = seen.setdefault(pair, position)
        expected[first] = max(expected[first], values[position])
    pairs = EventPairs(users, items, shape)
    assert pairs.keys.tolist() == sorted(user * shape[1] + item for user, item in seen)
    assert pairs.largest_at_first_events(values).tolist() == expected.tolist()
    assert np.count_nonzero(expected) == len(seen) < n_events  # several pairs repeat
