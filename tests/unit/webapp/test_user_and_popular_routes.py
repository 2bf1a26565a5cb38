"""A user's recommendations by GET (query and path forms), the popular route, and the strategy header (issue 21).

The model is tests/rules_data.py's (see test_rules_api.py): popularity s 36, ap 20, bp 15, np 10, a1 8, a2 7,
b1 6, ...; categories aN and ap A, bN and bp B. It has no timestamps, so trending equals popularity.
"""
import pytest
from api_fakes import ADMIN, RECOMMEND, VALID_BODY, completed_model
from flask import g
from rules_data import CATEGORIES, usage_pairs

from recommender import SARParameters, fit, make_events
from registry import ModelStatus

STRATEGY = "X-Recommendation-Strategy"
RULE_QUERIES = ["", "recommendationCount=3", "recommendationCount=4&excludeItemIds=a2&maxPerCategory=1",
                "itemIdPrefix=b&recommendationCount=20", "includeItemIds=np&includeItemIds=b3"]


def serve(client, parts, *, categories=True, **parameters) -> str:
    """A Completed model (the default one) on the rules data."""
    model_id = client.post("/api/models", json=VALID_BODY, headers=ADMIN).json["id"]
    parts["registry"].update(parts["registry"].get(model_id).with_status(ModelStatus.COMPLETED, "done"))
    model = fit(make_events(*usage_pairs()), SARParameters(support_threshold=1, similarity_function="Cooccurrence",
                                                           **parameters))
    if categories:
        model = model.with_item_categories(list(CATEGORIES), list(CATEGORIES.values()))
    parts["provider"].models[model_id] = model
    assert client.put(f"/api/models/default?modelId={model_id}", headers=ADMIN).status_code == 200
    return model_id


def ids(response) -> list:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [entry["recommendedItemId"] for entry in response.json]


def post_body(query: str) -> dict:
    """The POST body object holding the rules a GET query states."""
    body = {}
    for field in filter(None, query.split("&")):
        name, value = field.split("=")
        if name.endswith("Ids"):
            body.setdefault(name, []).append(value)
        elif name != "recommendationCount":
            body[name] = int(value) if value.isdigit() else value
    return body


@pytest.mark.parametrize("user", ["a1-u0", "b3-u0", "ap-u3", "nobody"])
@pytest.mark.parametrize("query", RULE_QUERIES)
def test_the_gets_answer_what_the_post_with_no_events_answers(client, parts, user, query):
    model_id = serve(client, parts, enable_user_to_item=True)
    count = "&".join(field for field in query.split("&") if field.startswith("recommendationCount"))
    posted = client.post(f"/api/models/{model_id}/recommend?userId={user}&{count}", json=post_body(query),
                         headers=RECOMMEND)
    assert posted.status_code == 200, posted.get_data(as_text=True)
    for base in (f"/api/models/{model_id}", "/api/models/default"):
        for url in (f"{base}/recommend?userId={user}&{query}", f"{base}/users/{user}/recommendations?{query}"):
            response = client.get(url, headers=RECOMMEND)
            assert (response.status_code, response.json, response.headers[STRATEGY]) == \
                (200, posted.json, posted.headers[STRATEGY]), url


def test_an_unknown_user_gets_the_backfill_and_is_told_so(client, parts):
    model_id = serve(client, parts, enable_user_to_item=True)
    response = client.get(f"/api/models/{model_id}/users/nobody/recommendations?recommendationCount=3",
                          headers=RECOMMEND)
    assert response.json == [{"recommendedItemId": item, "score": 0.0} for item in ("s", "ap", "bp")]
    assert response.headers[STRATEGY] == "backfill-popular"
    known = client.get(f"/api/models/{model_id}/recommend?userId=a1-u0&recommendationCount=20", headers=RECOMMEND)
    assert known.headers[STRATEGY] == "sar+backfill-popular"
    assert client.get(f"/api/models/{model_id}/recommend?userId=a1-u0&recommendationCount=2",
                      headers=RECOMMEND).headers[STRATEGY] == "sar"


def test_the_backfill_strategy_names_the_header_and_sets_flask_g(client, parts):
    seen = []
    client.application.after_request(lambda response: seen.append(g.get("recommendation_strategy")) or response)
    model_id = serve(client, parts, enable_user_to_item=True, backfill_strategy="Trending")
    for url in (f"/api/models/{model_id}/recommend?itemId=never-seen", f"/api/models/{model_id}/recommend?itemId=s",
                f"/api/models/{model_id}/users/nobody/recommendations"):
        response = client.get(url, headers=RECOMMEND)
        assert response.headers[STRATEGY] == seen[-1], url
    assert seen[-3:] == ["backfill-trending", "sar+backfill-trending", "backfill-trending"]
    posted = client.post(f"/api/models/{model_id}/recommend", json=[{"itemId": "a1"}], headers=RECOMMEND)
    assert posted.headers[STRATEGY] == seen[-1] == "sar+backfill-trending"


def test_without_backfilling_an_unknown_user_gets_nothing_and_none(client, parts):
    model_id = serve(client, parts, enable_user_to_item=True, enable_backfilling=False)
    response = client.get(f"/api/models/{model_id}/users/nobody/recommendations", headers=RECOMMEND)
    assert (response.json, response.headers[STRATEGY]) == ([], "none")


def test_user_routes_refuse_what_the_post_refuses(client, parts):
    without_histories = completed_model(client, parts)
    for url in (f"/api/models/{without_histories}/users/u1/recommendations",
                f"/api/models/{without_histories}/recommend?userId=u1"):
        response = client.get(url, headers=RECOMMEND)
        assert (response.status_code, response.json["error"]["code"]) == (400, "UserRecommendationsDisabled")
    response = client.get(f"/api/models/{without_histories}/users/{'u' * 256}/recommendations", headers=RECOMMEND)
    assert [(d["field"], d["code"]) for d in response.json["error"]["details"]] == [("userId", "InvalidLength")]
    response = client.get(f"/api/models/{without_histories}/users/u1/recommendations?userId=u1", headers=RECOMMEND)
    assert [(d["field"], d["code"]) for d in response.json["error"]["details"]] == [("userId", "UnknownField")]
    assert client.get(f"/api/models/{without_histories}/users/u1/recommendations",
                      headers={"x-api-key": "nope"}).status_code == 401


@pytest.mark.parametrize("query, expected", [
    ("kind=alltime&recommendationCount=5", ["s", "ap", "bp", "np", "a1"]),
    ("kind=TRENDING&recommendationCount=3", ["s", "ap", "bp"]),
    ("recommendationCount=2", ["s", "ap"]),
    ("category=A", ["ap", "a1", "a2", "a3", "a4"]),
    ("category=B&kind=Trending&excludeItemIds=b1", ["bp", "b2", "b3"]),
    ("category=none-such", []),
    ("maxPerCategory=1&recommendationCount=4", ["s", "ap", "bp", "np"]),
    ("itemIdPrefix=a&recommendationCount=2", ["ap", "a1"]),
])
def test_popular_items(client, parts, query, expected):
    model_id = serve(client, parts)
    for base in (f"/api/models/{model_id}", "/api/models/default"):
        assert ids(client.get(f"{base}/popular?{query}", headers=RECOMMEND)) == expected


def test_popular_items_are_scored_by_their_popularity_and_named_by_their_kind(client, parts):
    model_id = serve(client, parts, backfill_strategy="Trending")
    response = client.get(f"/api/models/{model_id}/popular?recommendationCount=2", headers=RECOMMEND)
    assert response.json == [{"recommendedItemId": "s", "score": 36.0}, {"recommendedItemId": "ap", "score": 20.0}]
    assert response.headers[STRATEGY] == "backfill-trending"  # without kind: the model's backfill strategy
    response = client.get(f"/api/models/{model_id}/popular?kind=alltime", headers=RECOMMEND)
    assert response.headers[STRATEGY] == "backfill-popular"
    assert client.get(f"/api/models/{model_id}/popular?category=C", headers=RECOMMEND).headers[STRATEGY] == "none"


@pytest.mark.parametrize("query, field, code", [
    ("kind=hot", "kind", "InvalidValue"), ("category=", "category", "InvalidLength"),
    ("recommendationCount=0", "recommendationCount", "OutOfRange"), ("itemId=s", "itemId", "UnknownField"),
    ("categoryWindow=2", "maxPerCategory", "MissingField"),
])
def test_popular_query_errors(client, parts, query, field, code):
    model_id = serve(client, parts)
    response = client.get(f"/api/models/{model_id}/popular?{query}", headers=RECOMMEND)
    assert [(d["field"], d["code"]) for d in response.json["error"]["details"]] == [(field, code)]


def test_a_category_needs_a_model_with_a_catalog(client, parts):
    model_id = serve(client, parts, categories=False)
    response = client.get(f"/api/models/{model_id}/popular?category=A", headers=RECOMMEND)
    assert (response.status_code, response.json["error"]["code"]) == (400, "CategoriesUnavailable")
    assert [(d["field"], d["code"]) for d in response.json["error"]["details"]] == [("category", "CategoriesUnavailable")]


def test_a_user_id_in_the_path_never_reaches_the_log(client, parts, caplog):
    """The request line of the log shows the path: the users route's {userId} is masked there."""
    model_id = serve(client, parts, enable_user_to_item=True)
    with caplog.at_level("INFO", logger="webapp.ops"):
        response = client.get(f"/api/models/{model_id}/users/secret-user-42/recommendations", headers=RECOMMEND)
    assert response.status_code == 200
    lines = [record.getMessage() for record in caplog.records if record.name == "webapp.ops"]
    assert any(f"/api/models/{model_id}/users/{{userId}}/recommendations" in line for line in lines), lines
    assert not any("secret-user-42" in line for line in lines)
