"""evaluate(): test users, their lists as the service would answer, and the statistics' metric blocks.

Training: six users used a1, a2, a3 and six others b1, b2, b3; alice used a1 and a2, bob b1.
Item popularity: a1, a2, b1 have 7 users, a3, b2, b3 have 6. Evaluation: alice -> a3,
bob -> b3 and an item never trained, carol (no training events) -> a1.
By construction (seeds excluded, then backfill by popularity, ties to the first seen item):
    alice: a3 (scored), b1, b2, b3 (backfill)          -> a hit at rank 1 of 1 relevant
    bob:   b2, b3 (tied scores), a1, a2, a3 (backfill)   -> a hit at rank 2 of 2 relevant
"""
import pytest

from recommender import SARParameters, evaluation, fit, make_events
from recommender.evaluation import evaluate


@pytest.fixture(scope="module")
def train_events():
    users, items = [], []
    for user in range(12):
        for item in (("a1", "a2", "a3") if user < 6 else ("b1", "b2", "b3")):
            users.append(f"bg{user}")
            items.append(item)
    users += ["alice", "alice", "bob"]
    items += ["a1", "a2", "b1"]
    return make_events(users, items)


@pytest.fixture(scope="module")
def model(train_events):
    return fit(train_events, SARParameters(support_threshold=2))


TEST_EVENTS = make_events(["alice", "bob", "bob", "carol"], ["a3", "b3", "never-trained", "a1"])


def test_precision_metrics_are_the_original_hit_rate(model, train_events):
    metrics = evaluate(model, train_events, TEST_EVENTS)
    assert metrics["precisionMetrics"] == [
        {"k": 1, "percentage": 50.0, "usersInTest": 2},   # alice only
        {"k": 2, "percentage": 100.0, "usersInTest": 2},  # and bob
        {"k": 3, "percentage": 100.0, "usersInTest": 2},
        {"k": 4, "percentage": 100.0, "usersInTest": 2},
        {"k": 5, "percentage": 100.0, "usersInTest": 2},
    ]


def test_ranking_metrics_at_each_k(model, train_events):
    ranking = {entry["k"]: entry for entry in evaluate(model, train_events, TEST_EVENTS)["rankingMetrics"]}
    assert sorted(ranking) == [1, 2, 3, 4, 5, 10]
    assert ranking[1]["precision"] == pytest.approx(0.5)            # (1/1 + 0) / 2
    assert ranking[2]["precision"] == pytest.approx(0.5)            # (1/2 + 1/2) / 2
    assert ranking[2]["recall"] == pytest.approx(0.75)              # (1/1 + 1/2) / 2
    assert ranking[10]["precision"] == pytest.approx(0.1)           # (1/10 + 1/10) / 2
    assert ranking[2]["map"] == pytest.approx((1 + (1 / 2) / 2) / 2)  # bob: precision 1/2 at rank 2, over min(2, 2)
    assert all(entry["usersInTest"] == 2 for entry in ranking.values())


def test_diversity_buckets_of_the_top_five(model, train_events):
    diversity = evaluate(model, train_events, TEST_EVENTS)["diversityMetrics"]
    assert all(type(bucket["percentage"]) is float for bucket in diversity["percentileBuckets"])  # plain JSON
    # Percentile = share of trained items at most as popular: 6 users -> 50, 7 users -> 100.
    # Nine items recommended: a3 b1 b2 b3 and b2 b3 a1 a2 a3; b1, a1, a2 are the 7-user ones.
    assert diversity == {
        "percentileBuckets": [{"min": 0, "max": 90, "percentage": 66.667},
                              {"min": 90, "max": 99, "percentage": 0.0},
                              {"min": 99, "max": 100, "percentage": 33.333}],
        "totalItemsRecommended": 9,
        "uniqueItemsRecommended": 6,
        "uniqueItemsInTrainSet": 6,
    }


def test_no_evaluation_user_with_training_events_gives_nothing(model, train_events):
    assert evaluate(model, train_events, make_events(["carol"], ["a1"])) is None


def test_progress_is_reported_and_may_cancel(model, train_events, monkeypatch):
    monkeypatch.setattr(evaluation, "PROGRESS_EVERY_USERS", 1)
    reported = []
    evaluate(model, train_events, TEST_EVENTS, progress=reported.append)
    assert reported == [0.5, 1.0]

    class Cancelled(Exception):
        pass

    def cancel(fraction):
        raise Cancelled

    with pytest.raises(Cancelled):
        evaluate(model, train_events, TEST_EVENTS, progress=cancel)
