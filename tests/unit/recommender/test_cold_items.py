"""place_cold_items on data whose answer is known by construction.

Warm items: a1..a3 (color=red) are always used together, and so are b1..b3
(color=blue); shape is noise (shared across the two groups). Cold items: a4
and a5 (red) and b4 (blue) have no usage; lonely (red) has one user, too few
for any co-occurrence to pass the threshold; mute has no features.
"""
import numpy as np
import pytest

from recommender import SARParameters, fit, from_bytes, make_events, to_bytes
from recommender.catalog import parse_catalog_files
from recommender.cold_items import MAX_COLD_NEIGHBOURS, place_cold_items
from recommender.scoring import recommend, similar_items

CATALOG = [("a1", "red", "x"), ("a2", "red", "y"), ("a3", "red", "x"), ("b1", "blue", "y"), ("b2", "blue", "x"),
           ("b3", "blue", "y"), ("a4", "red", "z"), ("a5", "red", "x"), ("b4", "blue", "z"), ("lonely", "red", "y")]


@pytest.fixture(scope="module")
def model():
    users, items = [], []
    for user in range(12):
        for item in (["a1", "a2", "a3"] if user % 2 == 0 else ["b1", "b2", "b3"]):
            users.append(f"u{user}")
            items.append(item)
    users.append("u0")
    items.append("lonely")
    return fit(make_events(users, items), SARParameters(support_threshold=2, enable_user_to_item=True))


@pytest.fixture(scope="module")
def catalog():
    rows = [f"{item},name,category,description,color={color},shape={shape}\n" for item, color, shape in CATALOG]
    parsed, _ = parse_catalog_files([("catalog.csv", "".join(rows + ["mute,name\n"]).encode())])
    return parsed


def similar(model, item_id, k=10):
    return [item for item, score in similar_items(model, item_id, k) if score > 0]


def test_cold_items_get_the_warm_items_that_share_their_informative_feature(model, catalog):
    placement = place_cold_items(model, catalog)
    placed = placement.model
    assert similar(placed, "a4") == ["a1", "a2", "a3"]
    assert similar(placed, "b4") == ["b1", "b2", "b3"]
    assert similar(placed, "lonely") == ["a1", "a2", "a3"]
    assert placement.cold_items == 4  # a4, a5, b4, lonely; mute has no feature to go by
    assert placement.feature_weights["color"] > 0.5
    assert placement.feature_weights["shape"] == pytest.approx(0.0, abs=1e-6)


def test_warm_seeds_can_now_recommend_cold_items(model, catalog):
    placed = place_cold_items(model, catalog).model
    assert {"a4", "a5", "lonely"} <= set(similar(placed, "a1"))
    assert not {"b4", "mute"} & set(similar(placed, "a1"))
    recommended = [item for item, score in recommend(placed, user_id="u1", k=10) if score > 0]  # a b-group user
    assert "b4" in recommended and "a4" not in recommended


def test_cold_to_cold_only_when_asked(model, catalog):
    without = place_cold_items(model, catalog, cold_to_cold=False).model
    with_it = place_cold_items(model, catalog, cold_to_cold=True).model
    assert not {"a5", "lonely"} & set(similar(without, "a4"))
    assert {"a5", "lonely"} <= set(similar(with_it, "a4"))
    assert "b4" not in similar(with_it, "a4")


def test_the_index_grows_by_placed_items_only_and_the_model_is_unchanged(model, catalog):
    before = (model.item_ids.copy(), model.similarity.copy())
    placed = place_cold_items(model, catalog).model
    assert placed.item_ids[:model.n_items].tolist() == model.item_ids.tolist()
    assert sorted(placed.item_ids[model.n_items:]) == ["a4", "a5", "b4"]  # lonely was already known; mute not placed
    assert placed.similarity.shape == (placed.n_items, placed.n_items)
    assert (placed.similarity != placed.similarity.T).nnz == 0
    assert placed.popularity[model.n_items:].tolist() == [0, 0, 0]
    assert placed.user_affinity.shape == (model.user_affinity.shape[0], placed.n_items)
    assert model.item_ids.tolist() == before[0].tolist() and (model.similarity != before[1]).nnz == 0
    warm = model.similarity.toarray()
    assert np.array_equal(placed.similarity.toarray()[:model.n_items, :model.n_items][warm != 0], warm[warm != 0])


def test_each_cold_item_keeps_at_most_the_best_neighbours(model, catalog):
    placed = place_cold_items(model, catalog, cold_to_cold=True).model
    for item in ("a4", "a5", "b4"):
        row = placed.similarity[placed.item_index[item]]
        assert 0 < row.nnz <= MAX_COLD_NEIGHBOURS


def test_a_placed_model_survives_serialization(model, catalog):
    placed = place_cold_items(model, catalog).model
    loaded = from_bytes(to_bytes(placed, "m"))
    assert similar_items(loaded, "a4", 5) == similar_items(placed, "a4", 5)


def test_nothing_to_learn_from_leaves_the_model_as_it_was(catalog):
    # Two users, no pair reaches the threshold: no warm pair to learn feature weights from.
    lonely = fit(make_events(["u1", "u2"], ["a1", "b1"]), SARParameters(support_threshold=2))
    placement = place_cold_items(lonely, catalog)
    assert placement.model is lonely and placement.feature_weights == {} and placement.cold_items == 0


def test_categories_of_the_model_stay_aligned_with_its_grown_index(model, catalog):
    categorized = model.with_item_categories(catalog.item_ids, catalog.categories)
    placed = place_cold_items(categorized, catalog).model
    assert len(placed.item_categories) == placed.n_items
    assert placed.item_categories[:model.n_items].tolist() == categorized.item_categories.tolist()
    assert placed.item_categories[model.n_items:].tolist() == [None, None, None]
