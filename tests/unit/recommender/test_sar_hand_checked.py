"""SAR on a 4-user, 5-item table whose every number is worked out by hand below.

The table (day d means T0 + d days; T, the decay half-life, is 30 days; t_ref,
the latest timestamp, is day 60, so events of days 60, 30 and 0 decay by
1, 1/2 and 1/4):

    user  item  day  weight        user  item  day  weight
    u1    A     30    1            u3    B     60    2
    u1    B     30    1            u3    C     60    1
    u1    C     60    1            u3    D     60    1
    u2    A      0   -1            u4    A     30    4
    u2    B     60    1            u4    E     30    1

Items are indexed by first appearance: A=0, B=1, C=2, D=3, E=4.
Users per item (popularity, the backfill order): A 3, B 3, C 2, D 1, E 1,
so backfill runs A, B, C, D, E (A and B tie on 3 users: lower index first).

Co-occurrence with the user as unit, c_ij = users who used both i and j:
A-B u1,u2 = 2; A-C u1 = 1; A-E u4 = 1; B-C u1,u3 = 2; B-D u3 = 1; C-D u3 = 1;
A-D, B-E, C-E, D-E = 0.

        A  B  C  D  E
    A   3  2  1  0  1
    B   2  3  2  1  0
    C   1  2  2  1  0
    D   0  1  1  1  0
    E   1  0  0  0  1

Affinity a(u, i) = sum of w * 2^(-(t_ref - t)/T):

        A      B    C   D   E
    u1  1/2    1/2  1   0   0        (1 * 1/2, 1 * 1/2, 1 * 1)
    u2  -1/4   1    0   0   0        (-1 * 1/4, 1 * 1)
    u3  0      2    1   1   0        (2 * 1, 1 * 1, 1 * 1)
    u4  2      0    0   0   1/2      (4 * 1/2, 1 * 1/2)
"""
import numpy as np
import pytest

from recommender import EventBatch, SARModel, SARParameters, make_events, training
from recommender.scoring import recommend, similar_items

DAY = 86400.0
T0 = 1_700_000_000.0

EVENTS = make_events(
    ["u1", "u1", "u1", "u2", "u2", "u3", "u3", "u3", "u4", "u4"],
    ["A", "B", "C", "A", "B", "B", "C", "D", "A", "E"],
    [T0 + day * DAY for day in (30, 30, 60, 0, 60, 60, 60, 60, 30, 30)],
    [1, 1, 1, -1, 1, 2, 1, 1, 4, 1],
)

# s_ij = c_ij / (c_ii + c_jj - c_ij): A-B 2/(3+3-2), A-C 1/(3+2-1), A-E 1/(3+1-1),
# B-C 2/(3+2-2), B-D 1/(3+1-1), C-D 1/(2+1-1); every diagonal entry c/(c+c-c) = 1.
JACCARD = np.array([
    [1, 1 / 2, 1 / 4, 0, 1 / 3],
    [1 / 2, 1, 2 / 3, 1 / 3, 0],
    [1 / 4, 2 / 3, 1, 1 / 2, 0],
    [0, 1 / 3, 1 / 2, 1, 0],
    [1 / 3, 0, 0, 0, 1],
])
# s_ij = c_ij / (c_ii * c_jj): A-A 3/9, A-B 2/9, A-C 1/6, A-E 1/3, B-B 3/9, B-C 2/6,
# B-D 1/3, C-C 2/4, C-D 1/2, D-D 1/1, E-E 1/1.
LIFT = np.array([
    [1 / 3, 2 / 9, 1 / 6, 0, 1 / 3],
    [2 / 9, 1 / 3, 1 / 3, 1 / 3, 0],
    [1 / 6, 1 / 3, 1 / 2, 1 / 2, 0],
    [0, 1 / 3, 1 / 2, 1, 0],
    [1 / 3, 0, 0, 0, 1],
])
COOCCURRENCE = np.array([
    [3, 2, 1, 0, 1],
    [2, 3, 2, 1, 0],
    [1, 2, 2, 1, 0],
    [0, 1, 1, 1, 0],
    [1, 0, 0, 0, 1],
])


def fit(events=EVENTS, **overrides) -> SARModel:
    """SAR with support 1, user-to-item on and T = 30 days, unless overridden."""
    settings = {"support_threshold": 1, "enable_user_to_item": True, "decay_period_days": 30, **overrides}
    return training.fit(events, SARParameters(**settings))


def request_events(item_ids, days, weights) -> EventBatch:
    """A request's events; a day of None means no timestamp."""
    timestamps = [np.nan if day is None else T0 + day * DAY for day in days]
    return EventBatch.of(item_ids, timestamps, weights)


def assert_recommendations(actual, expected):
    """Same item ids in the same order, scores equal up to rounding."""
    assert [item for item, _ in actual] == [item for item, _ in expected]
    assert [score for _, score in actual] == pytest.approx([score for _, score in expected], rel=1e-12, abs=1e-12)


# --- training: indices, similarity, affinity -------------------------------------------------


def test_items_follow_first_appearance_and_popularity_counts_distinct_users():
    model = fit()
    assert list(model.item_ids) == ["A", "B", "C", "D", "E"]
    assert list(model.user_ids) == ["u1", "u2", "u3", "u4"]
    assert model.popularity.tolist() == [3, 3, 2, 1, 1]
    assert model.reference_time == T0 + 60 * DAY


@pytest.mark.parametrize("function, expected", [
    ("Jaccard", JACCARD), ("Lift", LIFT), ("Cooccurrence", COOCCURRENCE),
])
def test_similarity_functions_on_user_cooccurrence(function, expected):
    similarity = fit(similarity_function=function).similarity
    assert similarity.shape == (5, 5)
    np.testing.assert_allclose(similarity.toarray(), expected, rtol=1e-12, atol=0)


def test_similarity_ignores_weights_and_timestamps():
    # Co-occurrence only asks which user used which item.
    plain = make_events(EVENTS["user_id"], EVENTS["item_id"])
    np.testing.assert_allclose(fit(plain).similarity.toarray(), JACCARD, rtol=1e-12, atol=0)


@pytest.mark.parametrize("threshold, expected", [
    # Support 2 keeps A-A 3, A-B 2, B-B 3, B-C 2, C-C 2; D-D and E-E (1) go too.
    # Jaccard still divides by the full counts: A-B 2/(3+3-2), B-C 2/(3+2-2).
    (2, [[1, 1 / 2, 0, 0, 0],
         [1 / 2, 1, 2 / 3, 0, 0],
         [0, 2 / 3, 1, 0, 0],
         [0, 0, 0, 0, 0],
         [0, 0, 0, 0, 0]]),
    # Support 3 keeps only A-A and B-B.
    (3, [[1, 0, 0, 0, 0],
         [0, 1, 0, 0, 0],
         [0, 0, 0, 0, 0],
         [0, 0, 0, 0, 0],
         [0, 0, 0, 0, 0]]),
])
def test_support_threshold_drops_pairs_below_it(threshold, expected):
    similarity = fit(support_threshold=threshold).similarity
    np.testing.assert_allclose(similarity.toarray(), expected, rtol=1e-12, atol=0)
    assert similarity.nnz == np.count_nonzero(expected)  # dropped, not stored as zeros


def test_timestamp_unit_counts_baskets_of_one_user_at_one_time():
    # Baskets: u1@30 {A,B}, u1@60 {C}, u2@0 {A}, u2@60 {B}, u3@60 {B,C,D}, u4@30 {A,E}.
    # Per item: A 3 (u1@30, u2@0, u4@30), B 3, C 2, D 1, E 1; pairs: A-B 1 (u1@30 only,
    # not 2 as with users), A-C 0, A-E 1, B-C 1 (u3@60), B-D 1, C-D 1. B-E stays 0:
    # u1@30 and u4@30 share a timestamp but are different users' baskets.
    expected = [
        [3, 1, 0, 0, 1],
        [1, 3, 1, 1, 0],
        [0, 1, 2, 1, 0],
        [0, 1, 1, 1, 0],
        [1, 0, 0, 0, 1],
    ]
    model = fit(cooccurrence_unit="Timestamp", similarity_function="Cooccurrence")
    np.testing.assert_array_equal(model.similarity.toarray(), expected)
    assert model.popularity.tolist() == [3, 3, 2, 1, 1]  # popularity still counts users


def test_user_affinity_is_the_decayed_weighted_sum():
    expected = [
        [1 / 2, 1 / 2, 1, 0, 0],
        [-1 / 4, 1, 0, 0, 0],
        [0, 2, 1, 1, 0],
        [2, 0, 0, 0, 1 / 2],
    ]
    np.testing.assert_allclose(fit().user_affinity.toarray(), expected, rtol=1e-12, atol=0)


def test_decay_period_sets_the_half_life():
    # T = 60 days: day 30 weighs 2^(-1/2), day 0 weighs 1/2. u2: A -1/2, B 1; u4: A 4/sqrt(2), E 1/sqrt(2).
    affinity = fit(decay_period_days=60).user_affinity.toarray()
    np.testing.assert_allclose(affinity[1], [-1 / 2, 1, 0, 0, 0], rtol=1e-12)
    np.testing.assert_allclose(affinity[3], [4 / np.sqrt(2), 0, 0, 0, 1 / np.sqrt(2)], rtol=1e-12)


def test_binary_affinity_without_user_affinity():
    expected = [
        [1, 1, 1, 0, 0],
        [1, 1, 0, 0, 0],
        [0, 1, 1, 1, 0],
        [1, 0, 0, 0, 1],
    ]
    np.testing.assert_array_equal(fit(enable_user_affinity=False).user_affinity.toarray(), expected)


# --- personalized: stored history ------------------------------------------------------------


@pytest.mark.parametrize("user, expected", [
    # u1, a = (1/2, 1/2, 1, 0, 0); score_j = sum_i a_i * JACCARD[i, j]:
    # D = 1/2 * 1/3 + 1 * 1/2 = 2/3, E = 1/2 * 1/3 = 1/6; A, B, C are seeds.
    # Backfill has nothing left: A, B, C are seeds, D and E already listed.
    ("u1", [("D", 2 / 3), ("E", 1 / 6)]),
    # u3, a = (0, 2, 1, 1, 0): A = 2 * 1/2 + 1 * 1/4 = 5/4, E = 0; backfill adds E.
    ("u3", [("A", 5 / 4), ("E", 0.0)]),
    # u4, a = (2, 0, 0, 0, 1/2): B = 2 * 1/2 = 1, C = 2 * 1/4 = 1/2, D = 0; backfill adds D.
    ("u4", [("B", 1.0), ("C", 1 / 2), ("D", 0.0)]),
])
def test_recommend_scores_the_stored_history(user, expected):
    assert_recommendations(recommend(fit(), user_id=user, k=3), expected)


def test_negative_weight_lowers_scores_and_keeps_pushed_down_items_out_of_backfill():
    # u2, a = (-1/4, 1, 0, 0, 0): C = -1/4 * 1/4 + 2/3 = 29/48, D = 1/3,
    # E = -1/4 * 1/3 = -1/12 < 0. E is neither recommended nor backfilled.
    assert_recommendations(recommend(fit(), user_id="u2", k=3), [("C", 29 / 48), ("D", 1 / 3)])


def test_allow_seed_items_lets_seeds_compete():
    # u2 as above, seeds included: A = -1/4 + 1/2 = 1/4, B = -1/4 * 1/2 + 1 = 7/8.
    assert_recommendations(
        recommend(fit(allow_seed_items=True), user_id="u2", k=5),
        [("B", 7 / 8), ("C", 29 / 48), ("D", 1 / 3), ("A", 1 / 4)],
    )


def test_binary_affinity_ignores_weights_and_decay_when_scoring():
    # u2, a = (1, 1, 0, 0, 0): C = 1/4 + 2/3 = 11/12, D = 1/3, E = 1/3.
    # D and E tie exactly: D has the lower index.
    assert_recommendations(
        recommend(fit(enable_user_affinity=False), user_id="u2", k=3),
        [("C", 11 / 12), ("D", 1 / 3), ("E", 1 / 3)],
    )


def test_without_user_to_item_a_user_id_gets_only_backfill():
    model = fit(enable_user_to_item=False)
    assert model.user_affinity is None
    assert_recommendations(recommend(model, user_id="u1", k=3), [("A", 0.0), ("B", 0.0), ("C", 0.0)])


def test_unknown_user_gets_only_backfill():
    assert_recommendations(recommend(fit(), user_id="nobody", k=2), [("A", 0.0), ("B", 0.0)])


# --- personalized: request events ------------------------------------------------------------


@pytest.mark.parametrize("day", [60, None])
def test_request_events_alone_use_their_weights(day):
    # One event on A, weight 2, at t_ref (or without timestamp: counts at t_ref), so a_A = 2:
    # B = 2 * 1/2 = 1, E = 2 * 1/3 = 2/3, C = 2 * 1/4 = 1/2.
    recommendations = recommend(fit(), events=request_events(["A"], [day], [2.0]), k=3)
    assert_recommendations(recommendations, [("B", 1.0), ("E", 2 / 3), ("C", 1 / 2)])


@pytest.mark.parametrize("item, day, weight, expected", [
    # u3 history (0, 2, 1, 1, 0) at t_ref = day 60.
    # An event of day 30 does not move t_ref: a_E = 1 * 1/2, history unchanged.
    # A = 2 * 1/2 + 1 * 1/4 + 1/2 * 1/3 = 17/12.
    ("E", 30, 1.0, [("A", 17 / 12)]),
    # An event of day 90 moves t_ref by 30 days: history * 2^(-30/30) = (0, 1, 1/2, 1/2, 0),
    # a_E = 1. A = 1 * 1/2 + 1/2 * 1/4 + 1 * 1/3 = 23/24.
    ("E", 90, 1.0, [("A", 23 / 24)]),
    # Same item as the history: a_B = 2 * 1/2 + 2 = 3, a = (0, 3, 1/2, 1/2, 0).
    # A = 3 * 1/2 + 1/2 * 1/4 = 13/8; E = 0 is backfilled.
    ("B", 90, 2.0, [("A", 13 / 8), ("E", 0.0)]),
])
def test_history_and_request_events_combine(item, day, weight, expected):
    recommendations = recommend(fit(), user_id="u3", events=request_events([item], [day], [weight]), k=2)
    assert_recommendations(recommendations, expected)


def test_binary_affinity_weighs_history_and_request_seeds_one():
    # Without user affinity every seed weighs 1, whatever its time or weight: u3 seeds B, C, D and E.
    # A = 1/2 + 1/4 + 0 + 1/3 = 13/12.
    model = fit(enable_user_affinity=False)
    assert_recommendations(recommend(model, user_id="u3", events=request_events(["E"], [90], [1.0]), k=1),
                           [("A", 13 / 12)])


def test_request_events_on_unknown_items_are_ignored():
    # The unknown item neither seeds nor moves t_ref: had its day 90 counted, u3's
    # history would halve and A would score 5/8 instead of 5/4.
    recommendations = recommend(fit(), user_id="u3", events=request_events(["Z"], [90], [5.0]), k=2)
    assert_recommendations(recommendations, [("A", 5 / 4), ("E", 0.0)])
    assert_recommendations(recommend(fit(), events=request_events(["Z"], [60], [1.0]), k=2),
                           [("A", 0.0), ("B", 0.0)])


# --- item to item ----------------------------------------------------------------------------


@pytest.mark.parametrize("function, expected", [
    # Row B of each matrix without B itself, best first; E (0) comes from backfill.
    ("Jaccard", [("C", 2 / 3), ("A", 1 / 2), ("D", 1 / 3), ("E", 0.0)]),
    # C and D tie at 1/3: C has the lower index.
    ("Lift", [("C", 1 / 3), ("D", 1 / 3), ("A", 2 / 9), ("E", 0.0)]),
    # A and C tie at 2: A has the lower index.
    ("Cooccurrence", [("A", 2.0), ("C", 2.0), ("D", 1.0), ("E", 0.0)]),
])
def test_similar_items_is_the_similarity_row_without_the_seed(function, expected):
    assert_recommendations(similar_items(fit(similarity_function=function), "B", k=4), expected)


def test_similar_items_backfills_by_popularity_without_seed_or_listed_items():
    # Row E has only A (1/3); backfill runs A, B, C, D, E and skips A (listed) and E (seed).
    assert_recommendations(similar_items(fit(), "E", k=3), [("A", 1 / 3), ("B", 0.0), ("C", 0.0)])


def test_without_backfilling_lists_stay_short():
    model = fit(enable_backfilling=False)
    assert_recommendations(similar_items(model, "E", k=3), [("A", 1 / 3)])
    assert similar_items(model, "Z", k=3) == []
    assert_recommendations(recommend(model, user_id="u3", k=3), [("A", 5 / 4)])


def test_unknown_item_gets_only_backfill():
    assert_recommendations(similar_items(fit(), "Z", k=3), [("A", 0.0), ("B", 0.0), ("C", 0.0)])


def test_equal_scores_go_to_the_item_seen_first_in_training():
    # One user used s, z, a (in that order): every pair co-occurs once, so Jaccard(s, z) =
    # Jaccard(s, a) = 1. z appears before a, so z wins although "a" < "z"; with k=1
    # the tie sits at the cut. Popularity ties (1 each) also go by first appearance.
    model = fit(make_events(["v", "v", "v"], ["s", "z", "a"]))
    assert_recommendations(similar_items(model, "s", k=2), [("z", 1.0), ("a", 1.0)])
    assert_recommendations(similar_items(model, "s", k=1), [("z", 1.0)])
    assert_recommendations(similar_items(model, "unknown", k=3), [("s", 0.0), ("z", 0.0), ("a", 0.0)])
