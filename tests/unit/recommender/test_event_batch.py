"""EventBatch, the one form of request-time events scoring takes."""
import numpy as np
import pytest

from recommender import EventBatch, SARParameters, fit, make_events
from recommender.scoring import recommend, score_items


@pytest.fixture(scope="module")
def model():
    return fit(make_events(["u1", "u1", "u2", "u2"], ["A", "B", "B", "C"], [0.0, 10.0, 20.0, 30.0]),
               SARParameters(support_threshold=1))


def test_columns_become_float64_arrays_and_missing_ones_their_defaults():
    batch = EventBatch.of(["A", "B"])
    assert batch.item_ids == ("A", "B") and len(batch) == 2
    assert np.isnan(batch.timestamps).all() and batch.weights.tolist() == [1.0, 1.0]
    given = EventBatch(("A",), [5], [2])
    assert given.timestamps.dtype == given.weights.dtype == np.float64 and given.weights.tolist() == [2.0]


def test_columns_of_different_lengths_are_refused():
    with pytest.raises(ValueError, match="2 item ids, 1 timestamps and 2 weights"):
        EventBatch(("A", "B"), [1.0], [1.0, 1.0])


def test_a_batch_from_an_event_table_reads_its_item_timestamp_and_weight_columns():
    batch = EventBatch.from_table(make_events(["u9", "u9"], ["A", "C"], [3.0, np.nan], [2.0, -1.0]))
    assert batch.item_ids == ("A", "C") and batch.weights.tolist() == [2.0, -1.0]
    assert batch.timestamps[0] == 3.0 and np.isnan(batch.timestamps[1])


def test_an_empty_batch_answers_like_no_events(model):
    assert recommend(model, events=EventBatch.of([]), k=3) == recommend(model, k=3)
    assert score_items(model, ["A", "Z"], events=EventBatch.of([])) == [0.0, None]
