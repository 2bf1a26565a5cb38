"""Business rules and scores over HTTP (issue 11): gunicorn and the worker on Azurite, models trained from
tests/rules_data.py's usage and catalog files, whose answers are known by construction:

the row of the seed `s` ranks a1 8, a2 7, b1 6, a3 5, a4 4, b2 3, n1 2, b3 1 (Cooccurrence: users in common);
backfill runs s, ap, bp, np, a1, ...; the catalog's categories: aN A, bN B, s, n1 and np none.
"""
import pytest
import requests
from api_keys import RECOMMEND_KEY
from live_stack import live_stack
from rules_data import RULES_CATALOG, RULES_USAGE, TRAINING_PARAMETERS

from config.settings import Settings
from storage.clients import StorageClients

RECOMMEND = {"x-api-key": RECOMMEND_KEY}
USAGE, CATALOG = "rules/usage.csv", "rules/catalog.csv"


@pytest.fixture(scope="module")
def stack(azurite, tmp_path_factory):
    """The live stack with two models of the rules data: `model_id` with the catalog, `bare_id` without."""
    with live_stack(azurite, tmp_path_factory.mktemp("rules")) as stack:
        storage = StorageClients.from_settings(Settings.from_environ(stack.environ))
        container = storage.blobs.get_container_client(stack.usage_container)
        container.upload_blob(USAGE, RULES_USAGE)
        container.upload_blob(CATALOG, RULES_CATALOG)
        stack.model_id = stack.train_model(usageRelativePath=USAGE, catalogFileRelativePath=CATALOG,
                                           enableUserToItemRecommendations=True, **TRAINING_PARAMETERS)
        stack.bare_id = stack.train_model(usageRelativePath=USAGE, **TRAINING_PARAMETERS)
        yield stack


def get_ids(stack, model_id: str, **params) -> list:
    response = requests.get(f"{stack.base_url}/api/models/{model_id}/recommend", params={"itemId": "s", **params},
                            headers=RECOMMEND, timeout=10)
    assert response.status_code == 200, response.text
    return [entry["recommendedItemId"] for entry in response.json()]


def test_item_to_item_rules_as_repeated_query_parameters(stack):
    assert get_ids(stack, stack.model_id, recommendationCount=3) == ["a1", "a2", "b1"]
    assert get_ids(stack, stack.model_id, recommendationCount=3, excludeItemIds=["a1", "b1", "unknown"]) == [
        "a2", "a3", "a4"]
    assert get_ids(stack, stack.model_id, includeItemIds=["b2", "bp", "n1"]) == ["b2", "n1", "bp"]
    assert get_ids(stack, stack.model_id, itemIdPrefix="b") == ["b1", "b2", "b3", "bp"]
    assert get_ids(stack, stack.model_id, recommendationCount=6, maxPerCategory=2) == [
        "a1", "a2", "b1", "b2", "n1", "np"]
    assert get_ids(stack, stack.model_id, recommendationCount=6, maxPerCategory=1, categoryWindow=3) == [
        "a1", "b1", "n1", "a2", "a3", "a4"]
    # The answer cache keeps filtered and unfiltered answers apart.
    assert get_ids(stack, stack.model_id, recommendationCount=3) == ["a1", "a2", "b1"]


def test_personalized_rules_in_the_body_object_and_the_bare_list_still_works(stack):
    url = f"{stack.base_url}/api/models/{stack.model_id}/recommend"
    body = {"events": [{"itemId": "s", "eventType": "RecommendationClick"}],  # weight 2, no decay
            "excludeItemIds": ["a2"], "maxPerCategory": 1}
    response = requests.post(url, params={"recommendationCount": 3}, json=body, headers=RECOMMEND, timeout=10)
    assert response.json() == [{"recommendedItemId": "a1", "score": 16.0}, {"recommendedItemId": "b1", "score": 12.0},
                               {"recommendedItemId": "n1", "score": 4.0}]
    response = requests.post(url, params={"recommendationCount": 2, "userId": "b2-u0"}, json={"itemIdPrefix": "a"},
                             headers=RECOMMEND, timeout=10)
    assert [entry["recommendedItemId"] for entry in response.json()] == ["a1", "a2"]  # the user used s and b2
    response = requests.post(url, params={"recommendationCount": 2}, json=[{"itemId": "s"}], headers=RECOMMEND,
                             timeout=10)
    assert [entry["recommendedItemId"] for entry in response.json()] == ["a1", "a2"]


def test_scores_of_listed_items_for_events_or_a_users_history(stack):
    url = f"{stack.base_url}/api/models/{stack.model_id}/scores"
    response = requests.post(url, json={"itemIds": ["b1", "nope", "a1", "ap"], "events": [{"itemId": "s"}]},
                             headers=RECOMMEND, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json() == [{"itemId": "b1", "score": 6.0}, {"itemId": "nope", "score": None},
                               {"itemId": "a1", "score": 8.0}, {"itemId": "ap", "score": 0.0}]
    # A stored history decays from the training data's latest event; these events have no timestamp: weight 1.
    response = requests.post(f"{stack.base_url}/api/models/default/scores", params={"userId": "a3-u1"},
                             json={"itemIds": ["a4", "s"]}, headers=RECOMMEND, timeout=10)
    assert response.json() == [{"itemId": "a4", "score": 4.0 + 0.0}, {"itemId": "s", "score": 36.0 + 5.0}]


def test_a_category_cap_needs_a_model_trained_with_a_catalog(stack):
    response = requests.get(f"{stack.base_url}/api/models/{stack.bare_id}/recommend",
                            params={"itemId": "s", "maxPerCategory": 1}, headers=RECOMMEND, timeout=10)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["details"][0]["field"]) == ("CategoriesUnavailable", "maxPerCategory")
    assert get_ids(stack, stack.bare_id, recommendationCount=2, excludeItemIds=["a1"]) == ["a2", "b1"]


def test_conflicting_and_out_of_range_rules_are_a_400_with_codes(stack):
    url = f"{stack.base_url}/api/models/{stack.model_id}/recommend"
    response = requests.post(url, json={"includeItemIds": ["a1"], "excludeItemIds": ["a1"], "maxPerCategory": -1},
                             headers=RECOMMEND, timeout=10)
    assert response.status_code == 400
    assert {(detail["field"], detail["code"]) for detail in response.json()["error"]["details"]} == {
        ("maxPerCategory", "OutOfRange")}  # field rules first; the conflict is checked once the fields are valid
    response = requests.get(url, params={"itemId": "s", "includeItemIds": "a1", "excludeItemIds": "a1"},
                            headers=RECOMMEND, timeout=10)
    assert [(detail["field"], detail["code"]) for detail in response.json()["error"]["details"]] == [
        ("excludeItemIds", "ConflictingItemIds")]
