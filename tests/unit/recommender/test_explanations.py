"""Explanations: hand-computed on the 4-user example of test_sar_hand_checked, and summed on random models."""
import numpy as np
import pytest
import scipy.sparse as sp

from recommender import SARModel, SARParameters, fit, make_events
from recommender.catalog import parse_catalog_files
from recommender.cold_items import place_cold_items
from recommender.explanations import (
    BACKFILLED,
    Strategy,
    explain_personalized,
    explain_similar,
    seed_contributions,
)
from recommender.scoring import _seed_affinities, recommend, score_items, similar_items

from test_sar_hand_checked import fit as fit_hand_checked
from test_sar_hand_checked import request_events


def shares(explanation):
    return [(item_id, pytest.approx(share, rel=1e-12)) for item_id, share in explanation.seeds]


def test_u1_by_hand():
    # u1's affinities: A 1/2, B 1/2, C 1 (seeds left out of the answer). Jaccard rows of D and E:
    # D: A 0, B 1/3, C 1/2 -> s_D = 1/6 + 1/2 = 2/3, shares C (1/2)/(2/3) = 3/4, B (1/6)/(2/3) = 1/4.
    # E: A 1/3 -> s_E = 1/6, share A 1.
    model = fit_hand_checked()
    answer = recommend(model, user_id="u1", k=2)
    assert [item for item, _ in answer] == ["D", "E"]
    explained = explain_personalized(model, answer, user_id="u1")
    assert [e.strategy for e in explained] == [Strategy.SAR, Strategy.SAR]
    assert shares(explained[0]) == [("C", 3 / 4), ("B", 1 / 4)]
    assert shares(explained[1]) == [("A", 1.0)]


def test_a_seed_that_speaks_against_an_item_is_left_out_and_the_rest_share_its_positive_part():
    # u2: A -1/4, B 1. C: A (-1/4)(1/4) = -1/16, B (1)(2/3) = 2/3; the positive part is B's alone.
    # D: B (1)(1/3) = 1/3 only. E: A (-1/4)(1/3) < 0: never scored, so backfill may not pick it either.
    model = fit_hand_checked()
    answer = recommend(model, user_id="u2", k=3)
    assert [item for item, _ in answer] == ["C", "D"]
    explained = explain_personalized(model, answer, user_id="u2")
    assert shares(explained[0]) == [("B", 1.0)] and shares(explained[1]) == [("B", 1.0)]
    seeds, affinities = _seed_affinities(model, "u2", None)
    np.testing.assert_allclose(seed_contributions(model, seeds, affinities, np.array([2])), [[-1 / 16, 2 / 3]],
                               rtol=1e-12)


def test_events_and_backfill():
    # Events only: A (no timestamp, weight 1) -> B 1/2, C 1/4, E 1/3, each from A alone; D is popular padding.
    model = fit_hand_checked()
    answer = recommend(model, events=request_events(["A"], [None], [1.0]), k=4)
    assert [item for item, _ in answer] == ["B", "E", "C", "D"]
    explained = explain_personalized(model, answer, events=request_events(["A"], [None], [1.0]))
    assert [shares(e) for e in explained[:3]] == [[("A", 1.0)]] * 3
    assert explained[3] == BACKFILLED


def test_item_to_item_names_the_seed_with_the_whole_score():
    model = fit_hand_checked()
    answer = similar_items(model, "B", k=5)
    explained = explain_similar(model, "B", answer)
    assert [item for item, _ in answer] == ["C", "A", "D", "E"]
    assert [e.strategy for e in explained] == [Strategy.SAR] * 3 + [Strategy.BACKFILL]
    assert shares(explained[0]) == [("B", 1.0)]
    assert explain_similar(model, None, similar_items(model, "nope", k=2)) == [BACKFILLED, BACKFILLED]


def random_model(seed: int) -> SARModel:
    rng = np.random.default_rng(seed)
    users, items = rng.integers(0, 40, 600), rng.integers(0, 60, 600)
    events = make_events([f"u{u}" for u in users], [f"i{i}" for i in items],
                         1_700_000_000.0 + rng.integers(0, 90, 600) * 86400.0, rng.choice([1.0, 2.0, -1.0, 4.0], 600))
    function = ["Jaccard", "Lift", "Cooccurrence"][seed % 3]
    return fit(events, SARParameters(support_threshold=1, enable_user_to_item=True, similarity_function=function))


@pytest.mark.parametrize("seed", range(6))
def test_contributions_sum_to_the_score_on_random_models(seed):
    model = random_model(seed)
    for user_id in model.user_ids[:15]:
        seeds, affinities = _seed_affinities(model, user_id, None)
        items = np.arange(model.n_items)
        summed = seed_contributions(model, seeds, affinities, items).sum(axis=1)
        np.testing.assert_allclose(summed, score_items(model, list(model.item_ids), user_id=user_id),
                                   rtol=1e-9, atol=1e-12)
        answer = recommend(model, user_id=user_id, k=10)
        for explanation, (_, score) in zip(explain_personalized(model, answer, user_id=user_id), answer):
            total = sum(share for _, share in explanation.seeds)
            assert (explanation.strategy == Strategy.BACKFILL) == (score == 0)
            assert 0 < total <= 1 + 1e-12 or explanation.strategy == Strategy.BACKFILL
            assert len(explanation.seeds) <= 3
            assert [s for _, s in explanation.seeds] == sorted((s for _, s in explanation.seeds), reverse=True)


def test_cold_placed_items_are_named_as_such():
    users = [f"u{user}" for user in range(12) for _ in range(3)]
    items = [f"{'a' if user % 2 == 0 else 'b'}{item}" for user in range(12) for item in (1, 2, 3)]
    model = fit(make_events(users, items), SARParameters(support_threshold=2))
    rows = [f"{item},name,category,description,color={item[0]}\n" for item in
            ("a1", "a2", "a3", "b1", "b2", "b3", "a4")]
    catalog, _ = parse_catalog_files([("catalog.csv", "".join(rows).encode())])
    placed = place_cold_items(model, catalog).model
    answer = [pair for pair in similar_items(placed, "a1", k=10) if pair[1] > 0]
    strategies = dict(zip((item for item, _ in answer), (e.strategy for e in explain_similar(placed, "a1", answer))))
    assert strategies == {"a2": Strategy.SAR, "a3": Strategy.SAR, "a4": Strategy.COLD_ITEM_PLACEMENT}
    from_cold = explain_similar(placed, "a4", similar_items(placed, "a4", k=3))
    assert {e.strategy for e in from_cold} == {Strategy.COLD_ITEM_PLACEMENT}


def test_no_seeds_no_items():
    model = fit_hand_checked()
    assert seed_contributions(model, np.array([], np.int64), np.array([]), np.array([1, 2])).shape == (2, 0)
    assert isinstance(model.similarity, sp.csr_matrix)
