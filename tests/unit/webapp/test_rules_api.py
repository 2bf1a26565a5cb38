"""Business rules on the recommend routes and the scores route, in process (issue 11).

The model is tests/rules_data.py's: the row of the seed `s` ranks a1 8, a2 7, b1 6, a3 5, a4 4, b2 3, n1 2,
b3 1; backfill runs s, ap, bp, np, a1, ...; categories aN A, bN B, n1 and np none.
"""
import pytest

from api_fakes import ADMIN, RECOMMEND, VALID_BODY, completed_model, make_parts
from common.settings import Settings
from model_provider import Recommender
from model_provider.recommender import CANDIDATES
from recommender import SARModel, SARParameters, make_events
from recommender.rules import MAX_LISTED_ITEM_IDS, Rules
from registry import ModelStatus
from rules_data import CATEGORIES, usage_pairs
from webapp import create_app


def rules_model(**parameters) -> SARModel:
    model = SARModel.fit(make_events(*usage_pairs()),
                         SARParameters(support_threshold=1, similarity_function="Cooccurrence", **parameters))
    return model.with_item_categories(list(CATEGORIES), list(CATEGORIES.values()))


@pytest.fixture
def parts():
    return make_parts()


@pytest.fixture
def client(parts):
    settings = Settings.from_environ({"AZURE_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true", "ADMIN_PRIMARY_KEY": "admin-1",
                                      "RECOMMEND_PRIMARY_KEY": "recommend-1"})  # the default 1 MiB body limit
    return create_app(settings, **parts).test_client()


@pytest.fixture
def model_id(client, parts):
    """A Completed model (the default one) serving rules_model()."""
    model_id = client.post("/api/models", json=VALID_BODY, headers=ADMIN).json["id"]
    parts["registry"].update(parts["registry"].get(model_id).with_status(ModelStatus.COMPLETED, "done"))
    parts["provider"].models[model_id] = rules_model(enable_user_to_item=True)
    assert client.put(f"/api/models/default?modelId={model_id}", headers=ADMIN).status_code == 200
    return model_id


def ids(response) -> list:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [entry["recommendedItemId"] for entry in response.json]


def details_of(response) -> set:
    assert response.status_code == 400, response.get_data(as_text=True)
    return {(detail["field"], detail["code"]) for detail in response.json["error"]["details"]}


@pytest.mark.parametrize("query, expected", [
    ("recommendationCount=3", ["a1", "a2", "b1"]),
    ("recommendationCount=3&excludeItemIds=a1&excludeItemIds=b1&excludeItemIds=unknown", ["a2", "a3", "a4"]),
    ("includeItemIds=b2&includeItemIds=bp&includeItemIds=n1", ["b2", "n1", "bp"]),
    ("itemIdPrefix=b&recommendationCount=5", ["b1", "b2", "b3", "bp"]),
    ("maxPerCategory=2&recommendationCount=6", ["a1", "a2", "b1", "b2", "n1", "np"]),
    ("maxPerCategory=1&categoryWindow=3&recommendationCount=6", ["a1", "b1", "n1", "a2", "a3", "a4"]),
])
def test_item_to_item_rules_as_query_parameters(client, model_id, query, expected):
    for path in (f"/api/models/{model_id}/recommend", "/api/models/default/recommend"):
        assert ids(client.get(f"{path}?itemId=s&{query}", headers=RECOMMEND)) == expected


def test_personalized_rules_in_the_body_object(client, model_id):
    body = {"events": [{"itemId": "s", "weight": 2}], "excludeItemIds": ["a2"], "maxPerCategory": 1}
    for path in (f"/api/models/{model_id}/recommend", "/api/models/default/recommend"):
        response = client.post(f"{path}?recommendationCount=3", json=body, headers=RECOMMEND)
        assert response.json == [{"recommendedItemId": "a1", "score": 16.0}, {"recommendedItemId": "b1", "score": 12.0},
                                 {"recommendedItemId": "n1", "score": 4.0}]


def test_the_object_form_may_leave_out_events_and_rules(client, model_id):
    base = f"/api/models/{model_id}/recommend?recommendationCount=3"
    assert ids(client.post(base, json={}, headers=RECOMMEND)) == ["s", "ap", "bp"]  # the popular items
    assert ids(client.post(base, json={"includeItemIds": ["np", "b3"]}, headers=RECOMMEND)) == ["np", "b3"]
    assert ids(client.post(f"{base}&userId=a1-u0", json={"itemIdPrefix": "b"}, headers=RECOMMEND)) == ["b1", "b2", "b3"]
    assert client.post(base, json={"includeItemIds": []}, headers=RECOMMEND).json == []
    # null is no rule at all
    assert ids(client.post(base, json={"includeItemIds": None, "maxPerCategory": None}, headers=RECOMMEND)) == [
        "s", "ap", "bp"]


def test_the_bare_list_of_events_is_still_accepted(client, model_id):
    response = client.post(f"/api/models/{model_id}/recommend?recommendationCount=2", json=[{"itemId": "s"}],
                           headers=RECOMMEND)
    assert ids(response) == ["a1", "a2"]


def test_scores_of_listed_items_in_the_order_given_unknown_ones_null(client, model_id):
    body = {"itemIds": ["b1", "nope", "a1", "ap", "b1"], "events": [{"itemId": "s"}, {"itemId": "a1"}]}
    for path in (f"/api/models/{model_id}/scores", "/api/models/default/scores"):
        response = client.post(path, json=body, headers=RECOMMEND)
        assert response.status_code == 200, response.json
        assert response.json == [{"itemId": "b1", "score": 6.0}, {"itemId": "nope", "score": None},
                                 {"itemId": "a1", "score": 16.0}, {"itemId": "ap", "score": 0.0},
                                 {"itemId": "b1", "score": 6.0}]


def test_scores_for_a_users_stored_history(client, parts):
    model_id = client.post("/api/models", json=VALID_BODY, headers=ADMIN).json["id"]
    parts["registry"].update(parts["registry"].get(model_id).with_status(ModelStatus.COMPLETED, "done"))
    parts["provider"].models[model_id] = rules_model(enable_user_to_item=True, enable_user_affinity=False)
    response = client.post(f"/api/models/{model_id}/scores?userId=a1-u0", json={"itemIds": ["a2", "s"]},
                           headers=RECOMMEND)
    assert response.json == [{"itemId": "a2", "score": 7.0}, {"itemId": "s", "score": 44.0}]


def test_scores_need_a_key_and_user_histories_for_a_user_id(client, parts):
    without_histories = completed_model(client, parts)
    response = client.post(f"/api/models/{without_histories}/scores?userId=u1", json={"itemIds": ["x"]},
                           headers=RECOMMEND)
    assert (response.status_code, response.json["error"]["code"]) == (400, "UserRecommendationsDisabled")
    assert client.post(f"/api/models/{without_histories}/scores", json={"itemIds": ["x"]}).status_code == 401


def test_a_category_cap_on_a_model_without_a_catalog_is_a_400_with_its_code(client, parts):
    model_id = completed_model(client, parts)
    for response in (
            client.get(f"/api/models/{model_id}/recommend?itemId=x&maxPerCategory=1", headers=RECOMMEND),
            # with an exclude list, the seed's candidates are read instead of the row: the same refusal
            client.get(f"/api/models/{model_id}/recommend?itemId=x&maxPerCategory=1&excludeItemIds=y",
                       headers=RECOMMEND),
            client.post(f"/api/models/{model_id}/recommend", json={"maxPerCategory": 1}, headers=RECOMMEND)):
        assert response.status_code == 400
        assert response.json["error"]["code"] == "CategoriesUnavailable"
        assert response.json["error"]["details"][0]["field"] == "maxPerCategory"
    # The other rules need no catalog.
    assert ids(client.get(f"/api/models/{model_id}/recommend?itemId=x&excludeItemIds=y", headers=RECOMMEND)) == ["z"]


TOO_MANY = [f"i{number}" for number in range(MAX_LISTED_ITEM_IDS + 1)]


@pytest.mark.parametrize("body, field, code", [
    ({"excludeItemIds": TOO_MANY}, "excludeItemIds", "TooManyItems"),
    ({"includeItemIds": TOO_MANY}, "includeItemIds", "TooManyItems"),
    ({"maxPerCategory": -1}, "maxPerCategory", "OutOfRange"),
    ({"maxPerCategory": 0}, "maxPerCategory", "OutOfRange"),
    ({"maxPerCategory": 2, "categoryWindow": 0}, "categoryWindow", "OutOfRange"),
    ({"maxPerCategory": "2"}, "maxPerCategory", "InvalidType"),
    ({"categoryWindow": 3}, "maxPerCategory", "MissingField"),
    ({"includeItemIds": ["a1", "b1"], "excludeItemIds": ["c", "b1"]}, "excludeItemIds", "ConflictingItemIds"),
    ({"includeItemIds": ["a1", ""]}, "includeItemIds[1]", "InvalidLength"),
    ({"excludeItemIds": [7]}, "excludeItemIds[0]", "InvalidType"),
    ({"excludeItemIds": "a1"}, "excludeItemIds", "InvalidType"),
    ({"itemIdPrefix": ""}, "itemIdPrefix", "InvalidLength"),
    ({"events": [{"itemId": "s", "bogus": 1}]}, "events[0].bogus", "UnknownField"),
    ({"event": []}, "event", "UnknownField"),
])
def test_invalid_rules_in_the_body_are_a_400_naming_the_field_and_rule(client, model_id, body, field, code):
    response = client.post(f"/api/models/{model_id}/recommend", json=body, headers=RECOMMEND)
    assert response.json["error"]["code"] == "InvalidRequest"
    assert details_of(response) == {(field, code)}


@pytest.mark.parametrize("query, field, code", [
    ("maxPerCategory=-2", "maxPerCategory", "OutOfRange"),
    ("maxPerCategory=two", "maxPerCategory", "InvalidType"),
    ("categoryWindow=2", "maxPerCategory", "MissingField"),
    ("includeItemIds=a1&excludeItemIds=a1", "excludeItemIds", "ConflictingItemIds"),
    ("excludeItemIds=", "excludeItemIds[0]", "InvalidLength"),
    ("&".join(f"excludeItemIds={item}" for item in TOO_MANY), "excludeItemIds", "TooManyItems"),
])
def test_invalid_rules_in_the_query_are_a_400_naming_the_field_and_rule(client, model_id, query, field, code):
    assert details_of(client.get(f"/api/models/{model_id}/recommend?itemId=s&{query}", headers=RECOMMEND)) == {
        (field, code)}


@pytest.mark.parametrize("body, field, code", [
    ({}, "itemIds", "MissingField"),
    ({"itemIds": TOO_MANY}, "itemIds", "TooManyItems"),
    ({"itemIds": ["a1"], "maxPerCategory": 1}, "maxPerCategory", "UnknownField"),
    ([{"itemId": "a1"}], "body", "InvalidType"),
])
def test_invalid_score_requests(client, model_id, body, field, code):
    assert details_of(client.post(f"/api/models/{model_id}/scores", json=body, headers=RECOMMEND)) == {(field, code)}


@pytest.mark.parametrize("depth", [1, 2, 4, 100])
def test_answers_from_seed_candidates_equal_answers_from_the_whole_row(monkeypatch, depth):
    # Shallow candidates make the rules exhaust them (then the whole row is ranked again); deep ones hold
    # all of the row. Either way the answer is the model's own, with the same rules, for every k.
    monkeypatch.setattr("model_provider.recommender.CANDIDATE_DEPTH", depth)
    model = rules_model()
    recommender = Recommender(model, max_answers=100, max_answer_bytes=2**20, idle_seconds=60.0)
    for rules in (Rules(exclude_item_ids=("a1",)), Rules(exclude_item_ids=("a1", "a2", "b1", "x")),
                  Rules(exclude_item_ids=("a2",), max_per_category=1), Rules(exclude_item_ids=("ap",), item_id_prefix="a"),
                  Rules(exclude_item_ids=("b1",), max_per_category=1, category_window=2),
                  Rules(include_item_ids=("a3", "b3", "np"))):
        for k in (1, 3, 8, 12):
            assert recommender.similar_items("s", k, rules) == model.similar_items("s", k, rules), (rules, k)
    assert ("s", CANDIDATES) in recommender.answers  # the exclude lists read them


def test_rules_that_name_no_item_share_cached_answers_rules_with_ids_are_computed_each_time():
    recommender = Recommender(rules_model(), max_answers=100, max_answer_bytes=2**20, idle_seconds=60.0)
    capped = Rules(max_per_category=1, category_window=3)
    assert [item for item, _ in recommender.similar_items("s", 4, capped)] == ["a1", "b1", "n1", "a2"]
    # Computed for the count's bucket (5) and cut: the same as computing 4 alone, and stored by the rules.
    assert recommender.similar_items("s", 4, capped) == recommender.model.similar_items("s", 4, capped)
    assert recommender.answers.hits == 1 and ("s", 5, capped) in recommender.answers
    excluding = Rules(exclude_item_ids=("a1",))
    assert [item for item, _ in recommender.similar_items("s", 2, excluding)] == ["a2", "b1"]
    assert [item for item, _ in recommender.similar_items("s", 2)] == ["a1", "a2"]  # the unfiltered answer
    # The capped answer, the unfiltered one and the seed's candidates: no entry for the ids.
    assert len(recommender.answers) == 3 and ("s", CANDIDATES) in recommender.answers
    hits = recommender.answers.hits
    assert [item for item, _ in recommender.similar_items("s", 2, Rules(exclude_item_ids=("a2",)))] == ["a1", "b1"]
    assert recommender.answers.hits == hits + 1 and len(recommender.answers) == 3  # other ids, the same candidates
