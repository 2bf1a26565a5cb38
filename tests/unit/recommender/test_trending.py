"""Trending popularity (issue 21): computed at training, stored, chosen as backfill, listed, measured.

The data (half-life 7 days, t_ref = day 14, the latest event):
    old: o1..o4 at day 0                          popularity 4, trending 4 x 2^-2 = 1.0
    new: n1, n2 at day 14                         popularity 2, trending 2 x 1     = 2.0
    mid: m1 at days 7 and 14 (latest counts: 1),
         m2 at days 0 and 7 (latest: 2^-1)        popularity 2, trending 1.0 + 0.5 = 1.5
So all-time: old, new, mid (new and mid tie, new seen first); trending: new, mid, old.
"""
import dataclasses

import numpy as np
import pytest

from recommender import InvalidParameterError, SARParameters, fit, from_bytes, make_events, to_bytes
from recommender.evaluation import evaluate
from recommender.exceptions import CategoriesUnavailableError
from recommender.popular import PopularityKind, popular_items
from recommender.rules import Rules
from recommender.scoring import recommend, similar_items
from recommender.strategy import STRATEGIES, answer_strategy

DAY = 86400.0
EVENTS = [("o1", "old", 0), ("o2", "old", 0), ("o3", "old", 0), ("o4", "old", 0), ("n1", "new", 14),
          ("n2", "new", 14), ("m1", "mid", 7), ("m1", "mid", 14), ("m2", "mid", 0), ("m2", "mid", 7)]


def train(events=EVENTS, **settings):
    users, items, days = zip(*events)
    parameters = SARParameters(**{"support_threshold": 1, "trending_half_life_days": 7, **settings})
    return fit(make_events(users, items, [day * DAY for day in days]), parameters)


def ids(recommendations):
    return [item for item, _ in recommendations]


def test_trending_is_distinct_users_decayed_by_their_latest_use():
    model = train()
    assert list(model.item_ids) == ["old", "new", "mid"]
    np.testing.assert_array_equal(model.popularity, [4, 2, 2])
    np.testing.assert_allclose(model.trending, [1.0, 2.0, 1.5])
    assert list(model.item_ids[model.trending_items]) == ["new", "mid", "old"]


@pytest.mark.parametrize("key_shift", [0, 55])
def test_trending_sums_each_pairs_latest_factor_in_first_appearance_order(monkeypatch, key_shift):
    """Against a plain reading of the definition: a dict of each (user, item) pair's largest factor, added
    per item in the order the pairs first appear (the order fixes the float sums to the last bit)."""
    import recommender.event_pairs as event_pairs
    import recommender.training as training
    if key_shift:  # a key range so wide that positions cannot be packed beside the keys (the argsort)
        events_by_pair = event_pairs._events_by_pair
        monkeypatch.setattr(event_pairs, "_events_by_pair",
                            lambda users, items, n_items: events_by_pair(users, items, n_items << key_shift))
    rng = np.random.default_rng(5)
    for _ in range(50):
        n = int(rng.integers(1, 80))
        users, items = rng.integers(0, 6, n), rng.integers(0, 9, n)
        timestamps = rng.choice([np.nan, 0.0, 3 * DAY, 7.5 * DAY, 14 * DAY], n) + rng.random(n)
        reference = np.nanmax(timestamps) if not np.isnan(timestamps).all() else np.nan
        factors = np.where(np.isnan(timestamps), 1.0, 0.5 ** ((reference - timestamps) / (7 * DAY)))
        latest = {}
        for user, item, factor in zip(users.tolist(), items.tolist(), factors.tolist()):
            latest[user, item] = max(latest.get((user, item), 0.0), factor)
        expected = np.zeros(9)
        for (user, item), factor in latest.items():
            expected[item] += factor
        got = training.trending_popularity(users, items, timestamps, reference, 9, 7 * DAY)
        assert got.tobytes() == expected.tobytes()


def test_the_half_life_is_the_trending_one_not_the_affinity_one():
    model = train(trending_half_life_days=14, decay_period_days=1)
    np.testing.assert_allclose(model.trending, [4 * 0.5, 2.0, 1.0 + 2 ** -0.5])


def test_without_timestamps_trending_is_popularity():
    users, items, _ = zip(*EVENTS)
    model = fit(make_events(users, items), SARParameters(support_threshold=1))
    np.testing.assert_array_equal(model.trending, model.popularity)


@pytest.mark.parametrize("strategy, expected", [("Popular", ["old", "new", "mid"]), ("Trending", ["new", "mid", "old"])])
def test_backfill_follows_the_strategy(strategy, expected):
    model = train(backfill_strategy=strategy)
    assert ids(recommend(model, user_id="nobody", k=3)) == expected
    assert ids(similar_items(model, "unknown item", k=3)) == expected


def test_parameters_check_the_new_values():
    with pytest.raises(InvalidParameterError):
        SARParameters(backfill_strategy="Newest")
    for days in (0, 366, 7.0):
        with pytest.raises(InvalidParameterError):
            SARParameters(trending_half_life_days=days)
    assert SARParameters(trending_half_life_days=365).trending_half_life_seconds == 365 * DAY


def test_the_stored_model_keeps_trending_and_an_older_blob_falls_back_to_popularity():
    model = train(backfill_strategy="Trending")
    loaded = from_bytes(to_bytes(model, "m"))
    np.testing.assert_array_equal(loaded.trending, model.trending)
    assert loaded.params == model.params
    older = from_bytes(to_bytes(dataclasses.replace(model, trending=None), "m"))  # a blob from before trending
    assert older.trending is None
    assert ids(popular_items(older, PopularityKind.TRENDING, 3)) == ["old", "new", "mid"]
    assert ids(recommend(older, user_id="nobody", k=3)) == ["old", "new", "mid"]


def test_popular_items_of_each_kind_with_their_popularity_as_score():
    model = train()
    assert popular_items(model, PopularityKind.ALLTIME, 3) == [("old", 4.0), ("new", 2.0), ("mid", 2.0)]
    assert popular_items(model, "trending", 2) == [("new", 2.0), ("mid", 1.5)]


def test_popular_items_under_rules_and_within_a_category():
    model = train().with_item_categories(["old", "new", "mid"], ["hats", "shoes", "hats"])
    assert ids(popular_items(model, "trending", 10, category="hats")) == ["mid", "old"]
    assert ids(popular_items(model, "trending", 10, category="bags")) == []
    assert ids(popular_items(model, "alltime", 10, rules=Rules(exclude_item_ids=("old",)))) == ["new", "mid"]
    assert ids(popular_items(model, "trending", 2, rules=Rules(max_per_category=1))) == ["new", "mid"]


def test_a_category_needs_a_model_with_categories():
    with pytest.raises(CategoriesUnavailableError) as raised:
        popular_items(train(), "alltime", 10, category="hats")
    assert raised.value.field == "category"


def test_items_without_usage_are_not_popular():
    model = train()
    model = dataclasses.replace(model, popularity=np.array([4, 2, 0]), trending=np.array([1.0, 2.0, 0.0]))
    assert ids(popular_items(model, "alltime", 10)) == ids(popular_items(model, "trending", 10))[::-1] == ["old", "new"]


def test_strategy_names_say_where_the_items_came_from():
    model = train(backfill_strategy="Trending")
    assert answer_strategy(model, [("a", 0.5), ("b", 0.2)]) == "sar"
    assert answer_strategy(model, [("a", 0.5), ("b", 0.0)]) == "sar+backfill-trending"
    assert answer_strategy(model, [("a", 0.0)]) == "backfill-trending"
    assert answer_strategy(model, []) == "none"
    assert answer_strategy(train(), [("a", 0.0)]) == "backfill-popular"
    cold = dataclasses.replace(model, popularity=np.array([4, 2, 0]))  # mid: placed from a catalog, no usage
    assert answer_strategy(cold, [("old", 0.3), ("x", 0.0)], seed_item_id="mid") == "cold-items+backfill-trending"
    assert answer_strategy(cold, [("old", 0.3)], seed_item_id="new") == "sar"
    assert {"sar", "cold-items", "backfill-popular", "backfill-trending", "none"} <= set(STRATEGIES)


def test_evaluation_reports_each_backfill_strategy_alone():
    """eve used only `other` (nobody else did: SAR scores nothing, so it backfills by popularity) and goes on
    to `new`: all-time popularity ranks it second, trending first."""
    model = train(EVENTS + [("eve", "other", 0)])
    train_events = make_events(["eve"], ["other"], [0.0])
    metrics = evaluate(model, train_events, make_events(["eve"], ["new"]))
    hit_rates = {name: [entry["percentage"] for entry in block["precisionMetrics"]]
                 for name, block in {"sar": metrics, **metrics["baselines"]}.items()}
    assert hit_rates == {"sar": [0.0, 100.0, 100.0, 100.0, 100.0], "popular": [0.0, 100.0, 100.0, 100.0, 100.0],
                         "trending": [100.0, 100.0, 100.0, 100.0, 100.0]}
    assert metrics["baselines"]["trending"]["rankingMetrics"][0] == {"k": 1, "precision": 1.0, "recall": 1.0,
                                                                     "ndcg": 1.0, "map": 1.0, "usersInTest": 1}
