"""Business rules (recommender.rules) on a model whose rankings are known by construction (tests/rules_data.py:
the row of the seed `s` ranks a1 8, a2 7, b1 6, a3 5, a4 4, b2 3, n1 2, b3 1; backfill runs s, ap, bp, np, a1, ...;
categories aN A, bN B, n1 and np none), and against a plain-Python statement of the rules on random models.
"""
import struct
from collections import Counter

import numpy as np
import pytest

from recommender import (EventBatch, ModelFormatError, SARModel, SARParameters, fit, from_bytes, make_events, scoring,
                         to_bytes)
from recommender.exceptions import CategoriesUnavailableError, InvalidRulesError
from recommender.indexing import ItemIdPrefixes
from recommender.rules import MAX_LISTED_ITEM_IDS, ItemFilter, Rules, choose_in_order
from recommender.scoring import CAP_DEPTH, recommend, score_items, seed_candidates, similar_items
from rules_data import CATEGORIES, CO_USERS, usage_pairs
from test_serialization import join, split  # the blob layout, read and written by hand

MODEL_ID = "a-model-with-categories"


def constructed_model(**parameters) -> SARModel:
    model = fit(make_events(*usage_pairs()),
                         SARParameters(support_threshold=1, similarity_function="Cooccurrence", **parameters))
    return model.with_item_categories(list(CATEGORIES), list(CATEGORIES.values()))


@pytest.fixture(scope="module")
def model():
    return constructed_model()


def ids(recommendations) -> list:
    return [item_id for item_id, _ in recommendations]


def test_the_constructed_model_ranks_as_described(model):
    assert [(item, score) for item, score in similar_items(model, "s", 11)] == [
        *CO_USERS.items(), ("ap", 0.0), ("bp", 0.0), ("np", 0.0)]


def test_seed_candidates_are_the_rows_best_entries_then_the_popular_other_items(model):
    shallow = seed_candidates(model, "s", 3)
    assert [model.item_ids[item] for item in shallow.items] == ["a1", "a2", "b1"] and not shallow.complete
    assert shallow.scores.tolist() == [CO_USERS["a1"], CO_USERS["a2"], CO_USERS["b1"]]
    # The whole row, then backfill without the seed and the row's items: every candidate there is.
    deep = seed_candidates(model, "s", 100)
    assert [model.item_ids[item] for item in deep.items] == [*CO_USERS, "ap", "bp", "np"] and deep.complete
    assert deep.scores.tolist() == [*CO_USERS.values(), 0.0, 0.0, 0.0]
    # a1's row holds s alone; backfill is cut at the depth while more popular items exist.
    cut = seed_candidates(model, "a1", 3)
    assert [model.item_ids[item] for item in cut.items] == ["s", "ap", "bp", "np"] and not cut.complete
    assert cut.scores.tolist() == [CO_USERS["a1"], 0.0, 0.0, 0.0]
    assert seed_candidates(model, "a1", 20).items.size == 11 and seed_candidates(model, "a1", 20).complete
    assert seed_candidates(model, "unknown", 3) is None
    without_backfill = seed_candidates(constructed_model(enable_backfilling=False), "s", 100)
    assert without_backfill.items.size == len(CO_USERS) and without_backfill.complete


def test_the_cap_reads_candidates_only_as_far_as_it_needs():
    read = []

    def candidates():  # (position, category code): categories 0, 0, 0, 1, 2, ...
        for position, code in enumerate([0, 0, 0, 1, 2, 3, 4, 5]):
            read.append(position)
            yield position, code

    assert choose_in_order(candidates(), 3, 1, None) == ([0, 3, 4], False) and read == [0, 1, 2, 3, 4]
    read.clear()
    assert choose_in_order(candidates(), 3, 1, 2) == ([0, 3, 1], False) and read == [0, 1, 2, 3]
    assert choose_in_order(candidates(), 3, None, None) == ([0, 1, 2], False)
    assert choose_in_order(candidates(), 9, 2, None) == ([0, 1, 3, 4, 5, 6, 7], True)  # ran out


def test_excluded_items_never_come_back_and_the_list_still_has_k_items(model):
    assert ids(similar_items(model, "s", 3, Rules(exclude_item_ids=("a1", "b1", "unknown")))) == ["a2", "a3", "a4"]
    # Backfill skips them too.
    assert ids(similar_items(model, "s", 10, Rules(exclude_item_ids=("ap",))))[8:] == ["bp", "np"]


def test_an_include_list_is_a_candidate_list_for_scored_and_backfilled_items(model):
    rules = Rules(include_item_ids=("b2", "n1", "bp", "never-seen"))
    assert [(item, score) for item, score in similar_items(model, "s", 5, rules)] == [
        ("b2", 3.0), ("n1", 2.0), ("bp", 0.0)]
    assert ids(similar_items(constructed_model(enable_backfilling=False), "s", 5, rules)) == ["b2", "n1"]
    assert similar_items(model, "s", 5, Rules(include_item_ids=())) == []  # an empty candidate list lets none through


def test_an_id_prefix_filters_scored_and_backfilled_items(model):
    assert ids(similar_items(model, "s", 6, Rules(item_id_prefix="a"))) == ["a1", "a2", "a3", "a4", "ap"]
    assert ids(similar_items(model, "s", 6, Rules(item_id_prefix="b", include_item_ids=("b2", "a1", "bp")))) == [
        "b2", "bp"]
    assert similar_items(model, "s", 6, Rules(item_id_prefix="zz")) == []


def test_a_category_cap_skips_items_while_selecting_and_never_caps_items_without_a_category(model):
    # a3, a4 (a third and fourth A), b3 (a third B), then ap and bp in the backfill are skipped; n1 and np pass.
    assert ids(similar_items(model, "s", 6, Rules(max_per_category=2))) == ["a1", "a2", "b1", "b2", "n1", "np"]
    assert ids(similar_items(model, "s", 3, Rules(max_per_category=1))) == ["a1", "b1", "n1"]


def test_a_category_window_caps_the_first_results_and_held_back_items_follow_it(model):
    rules = Rules(max_per_category=1, category_window=3)
    assert ids(similar_items(model, "s", 6, rules)) == ["a1", "b1", "n1", "a2", "a3", "a4"]


def test_a_window_that_cannot_be_filled_ends_the_list():
    model = constructed_model(enable_backfilling=False)
    rules = Rules(max_per_category=1, category_window=4, include_item_ids=("a1", "a2", "b1", "b2"))
    assert ids(similar_items(model, "s", 4, rules)) == ["a1", "b1"]  # a2, b2 may not be in the first 4


def test_personalized_recommendations_obey_the_same_rules(model):
    events = EventBatch.of(["s"], weights=[2.0])  # scores: 2 x the row of s
    assert [(item, score) for item, score in recommend(model, events=events, k=3, rules=Rules(
        exclude_item_ids=("a2",), max_per_category=1))] == [("a1", 16.0), ("b1", 12.0), ("n1", 4.0)]
    assert ids(recommend(model, events=events, k=6, rules=Rules(item_id_prefix="b"))) == ["b1", "b2", "b3", "bp"]


def test_without_seeds_the_popular_items_obey_the_rules(model):
    assert ids(recommend(model, k=3, rules=Rules(max_per_category=1))) == ["s", "ap", "bp"]
    assert ids(recommend(model, k=4, rules=Rules(exclude_item_ids=("s", "bp"), max_per_category=1))) == [
        "ap", "np", "b1", "n1"]
    assert ids(similar_items(model, "unknown", 2, Rules(item_id_prefix="n"))) == ["np", "n1"]


def test_a_cap_on_a_model_without_categories_is_an_error_other_rules_are_not():
    model = fit(make_events(["u1", "u1"], ["x", "y"]), SARParameters(support_threshold=1))
    with pytest.raises(CategoriesUnavailableError):
        similar_items(model, "x", 2, Rules(max_per_category=1))
    with pytest.raises(CategoriesUnavailableError):
        recommend(model, k=2, rules=Rules(max_per_category=1))
    assert ids(similar_items(model, "x", 2, Rules(exclude_item_ids=("y",)))) == []


def test_scores_of_listed_items_in_the_order_given(model):
    events = EventBatch.of(["s", "a1"])
    # score(x) = S[s, x] + S[a1, x]: a1 and s co-occur with 8 users, each item with itself with all of its users.
    assert score_items(model, ["b1", "nope", "a1", "ap", "s", "b1"], events=events) == [
        6.0, None, 8.0 + 8.0, 0.0, 36.0 + 8.0, 6.0]
    assert score_items(model, ["b1", "nope"]) == [0.0, None]


def test_scores_for_a_users_history():
    model = constructed_model(enable_user_to_item=True, enable_user_affinity=False)
    assert score_items(model, ["s", "a2", "b3"], user_id="a1-u0") == [8.0 + 36.0, 7.0, 1.0]


@pytest.mark.parametrize("arguments", [
    {"max_per_category": 0}, {"max_per_category": -1}, {"max_per_category": 2, "category_window": 0},
    {"category_window": 3}, {"include_item_ids": ("x", "y"), "exclude_item_ids": ("y",)},
    {"exclude_item_ids": ("x",) * (MAX_LISTED_ITEM_IDS + 1)},
])
def test_contradictory_or_out_of_range_rules_are_refused(arguments):
    with pytest.raises(InvalidRulesError):
        Rules(**arguments)


@pytest.mark.parametrize("prefix, expected", [
    ("", ["", "a", "ab", "abc", "abd", "b", "é", "éa"]), ("a", ["a", "ab", "abc", "abd"]),
    ("ab", ["ab", "abc", "abd"]),
    ("abc", ["abc"]), ("abcd", []), ("é", ["é", "éa"]), ("c", []), ("B", []),
])
def test_id_prefixes_find_exactly_the_ids_that_start_with_them(prefix, expected):
    item_ids = np.array(["abd", "b", "a", "éa", "abc", "", "é", "ab"], dtype=object)
    assert sorted(item_ids[ItemIdPrefixes(item_ids).items_with(prefix)]) == expected


def test_categories_survive_serialization_and_blank_or_missing_ones_are_none(model):
    assert model.item_categories[model.item_index["n1"]] is None
    assert model.item_categories[model.item_index["s"]] is None  # not in the catalog
    loaded = from_bytes(to_bytes(model, MODEL_ID))
    assert loaded.item_categories.tolist() == model.item_categories.tolist()
    assert ids(similar_items(loaded, "s", 6, Rules(max_per_category=2))) == ["a1", "a2", "b1", "b2", "n1", "np"]


@pytest.mark.parametrize("code", [99, -2])
def test_category_codes_outside_the_names_are_refused(model, code):
    header, payload = split(to_bytes(model, MODEL_ID))
    entry = next(entry for entry in header["arrays"] if entry["name"] == "item_category_codes")
    payload = bytearray(payload)
    struct.pack_into("<i", payload, entry["offset"], code)
    with pytest.raises(ModelFormatError, match="item_category_codes"):
        from_bytes(join(header, bytes(payload)))


def test_a_model_without_categories_serializes_as_before():
    model = fit(make_events(["u1", "u1"], ["x", "y"]), SARParameters(support_threshold=1))
    assert from_bytes(to_bytes(model, MODEL_ID)).item_categories is None
    assert b"item_category" not in to_bytes(model, MODEL_ID)


# A plain-Python statement of the rules, against which the vectorised selection is checked on random models.

def reference_pick(model, scores: np.ndarray, never: set, rules: Rules, k: int) -> list:
    """The definition: positive scores best first (ties to the lower index), then popular items; each allowed
    by the id rules; then the category cap, greedily in that order."""
    def allowed(item):
        item_id = model.item_ids[item]
        return ((rules.include_item_ids is None or item_id in rules.include_item_ids)
                and item_id not in rules.exclude_item_ids and item_id.startswith(rules.item_id_prefix or ""))
    scored = sorted((item for item in range(model.n_items) if scores[item] > 0 and item not in never
                     and allowed(item)), key=lambda item: (-scores[item], item))
    stream = [(item, float(scores[item])) for item in scored]
    if model.params.enable_backfilling:
        stream += [(int(item), 0.0) for item in model.popular_items
                   if item not in never and item not in scored and scores[item] >= 0 and allowed(item)]
    if rules.max_per_category is None:
        return [(model.item_ids[item], score) for item, score in stream[:k]]
    window = k if rules.category_window is None else min(rules.category_window, k)
    chosen, held_back, counts, rest = [], [], Counter(), []
    for position, (item, score) in enumerate(stream):
        if len(chosen) == window:
            rest = stream[position:]
            break
        category = model.item_categories[item]
        if category is None or counts[category] < rules.max_per_category:
            chosen.append((item, score))
            counts[category] += 1
        else:
            held_back.append((item, score))
    if len(chosen) == window:
        chosen += (held_back + rest)[:k - window]
    return [(model.item_ids[item], score) for item, score in chosen]


def random_model(rng) -> SARModel:
    n_items = int(rng.integers(20, 120))
    n_events = int(rng.integers(50, 600))
    users = [f"u{u}" for u in rng.integers(0, 60, n_events)]
    items = [f"i{i}" for i in rng.zipf(1.3, n_events) % n_items]
    weights = rng.choice([1.0, 1.0, 2.0, -1.0], n_events)
    model = fit(make_events(users, items, weights=weights), SARParameters(
        support_threshold=1, enable_backfilling=bool(rng.random() < 0.8), similarity_function="Jaccard",
        allow_seed_items=bool(rng.random() < 0.3)))
    categories = rng.choice(["c1", "c2", "c3", ""], model.n_items, p=[0.5, 0.2, 0.1, 0.2])
    return model.with_item_categories(model.item_ids, categories)


def random_rules(rng, model) -> Rules:
    pick = lambda size: tuple(rng.choice(model.item_ids, size).tolist())  # noqa: E731
    include = pick(int(rng.integers(1, model.n_items))) if rng.random() < 0.3 else None
    exclude = tuple(item for item in pick(int(rng.integers(0, 30))) if item not in (include or ()))
    cap = int(rng.integers(1, 4)) if rng.random() < 0.7 else None
    return Rules(include_item_ids=include, exclude_item_ids=exclude,
                 item_id_prefix=rng.choice([None, "i1", "i2", "i"]),
                 max_per_category=cap, category_window=int(rng.integers(1, 12)) if cap and rng.random() < 0.5 else None)


@pytest.mark.parametrize("seed", range(30))
def test_the_selection_equals_the_plain_definition_on_random_models(seed, monkeypatch):
    if seed % 2:  # candidates read one at first: every answer crosses blocks
        monkeypatch.setattr("recommender.rules.FIRST_BLOCK", 1)
    rng = np.random.default_rng(seed)
    model = random_model(rng)
    for _ in range(20):
        rules, k = random_rules(rng, model), int(rng.integers(1, 15))
        seed_item = int(rng.integers(0, model.n_items))
        row = model.similarity[seed_item].toarray().ravel()
        expected = reference_pick(model, row, set() if model.params.allow_seed_items else {seed_item}, rules, k)
        assert similar_items(model, model.item_ids[seed_item], k, rules) == expected, rules
        for depth in (1, 3, 20, 40, 1000):  # candidates ranked ahead, to a depth the rules may exhaust (then the row)
            candidates = seed_candidates(model, model.item_ids[seed_item], depth)
            assert similar_items(model, model.item_ids[seed_item], k, rules, candidates) == expected, (rules, depth)
        events = EventBatch.of(rng.choice(model.item_ids, 3).tolist(), weights=rng.choice([1.0, 3.0, -1.0], 3))
        seeds, affinities = scoring._seed_affinities(model, None, events)
        scores = scoring._score(model, seeds, affinities)
        never = set() if model.params.allow_seed_items else set(seeds.tolist())
        expected = reference_pick(model, scores, never, rules, k)
        assert recommend(model, events=events, k=k, rules=rules) == expected, rules


def test_the_cap_ranks_deeper_when_the_first_candidates_are_all_of_one_category():
    # More items of category A than the first CAP_DEPTH * k candidates score above 5 of category B: k=3 with
    # one item per category needs a B item, past the first ranking.
    k, n_a = 3, CAP_DEPTH * 3 + 12
    users, items = [], []
    for rank in range(n_a + 5):
        for user in range(n_a + 10 - rank):
            users += [f"{rank}-{user}"] * 2
            items += ["s", f"x{rank:03d}"]
    model = fit(make_events(users, items), SARParameters(support_threshold=1,
                                                                  similarity_function="Cooccurrence",
                                                                  enable_backfilling=False))
    model = model.with_item_categories([f"x{rank:03d}" for rank in range(n_a + 5)], ["A"] * n_a + ["B"] * 5)
    assert ids(similar_items(model, "s", k, Rules(max_per_category=1))) == ["x000", f"x{n_a:03d}"]
    assert ids(similar_items(model, "s", k, Rules(max_per_category=2, category_window=2))) == ["x000", "x001", "x002"]


def test_choose_asks_for_more_candidates_only_while_more_exist():
    item_filter = ItemFilter(np.array(["a", "b", "c", "d"], dtype=object), category_codes=np.array([0, 0, 0, 1]),
                             max_per_category=1)
    assert item_filter.choose(np.array([0, 1, 2]), 2, complete=False) is None
    assert item_filter.choose(np.array([0, 1, 2]), 2, complete=True).tolist() == [0]
    assert item_filter.choose(np.array([0, 1, 2, 3]), 2, complete=False).tolist() == [0, 3]
    # Excluded ids are skipped as the candidates are read; an id the model does not know is ignored.
    excluding = ItemFilter(np.array(["a", "b", "c", "d"], dtype=object), excluded_ids=frozenset({"a", "zz"}))
    assert excluding.choose(np.array([0, 1, 2]), 2, complete=False).tolist() == [1, 2]
    assert excluding.choose(np.array([0, 1]), 2, complete=False) is None
    assert excluding.choose(np.array([0, 1]), 2, complete=True).tolist() == [1]
