"""The REST API in process, with the in-memory registry and small fakes behind the same interfaces."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from api_fakes import ADMIN, RECOMMEND, VALID_BODY, completed_model

from registry import ModelRecord, ModelStatus
from webapp import models_api


def test_create_returns_201_with_location_and_queues_training(client, parts):
    response = client.post("/api/models", json={**VALID_BODY, "description": "d"}, headers=ADMIN)
    assert response.status_code == 201
    body = response.json
    assert response.headers["Location"] == f"/api/models/{body['id']}"
    assert (body["modelStatus"], body["description"], body["parameters"]["supportThreshold"]) == ("Created", "d", 6)
    assert body["parameters"]["usageRelativePath"] == "usage"  # trailing slash trimmed
    assert "description" not in body["parameters"] and body["statistics"] is None
    assert parts["queues"].sent == [("train", body["id"])]
    assert client.get(response.headers["Location"], headers=ADMIN).json == body


def test_model_ids_are_case_insensitive_guids(client):
    model_id = client.post("/api/models", json=VALID_BODY, headers=ADMIN).json["id"]
    assert client.get(f"/api/models/{model_id.upper()}", headers=ADMIN).json["id"] == model_id


def test_item_to_item_and_personalized(client, parts):
    model_id = completed_model(client, parts)
    similar = client.get(f"/api/models/{model_id}/recommend?itemId=x&recommendationCount=3", headers=RECOMMEND)
    assert similar.status_code == 200
    assert similar.json[0] == {"recommendedItemId": "y", "score": 1.0}
    assert [entry["score"] for entry in similar.json[1:]] == [0.0]  # backfill: z (x is the seed)
    personalized = client.post(f"/api/models/{model_id}/recommend", json=[{"itemId": "y", "eventType": "Click"}],
                               headers=RECOMMEND)
    assert personalized.json[0]["recommendedItemId"] == "x"


def test_head_on_a_recommend_route_answers_like_get_without_a_body(client, parts):
    model_id = completed_model(client, parts)
    head = client.head(f"/api/models/{model_id}/recommend?itemId=x", headers=RECOMMEND)
    assert (head.status_code, head.data) == (200, b"")


def test_recommendation_count_defaults_to_10_and_allows_1_to_100(client, parts):
    model_id = completed_model(client, parts)
    base = f"/api/models/{model_id}/recommend"
    assert len(client.get(base, headers=RECOMMEND).json) == 3  # all three items: fewer than the default 10
    assert len(client.get(f"{base}?recommendationCount=1", headers=RECOMMEND).json) == 1
    assert client.get(f"{base}?recommendationCount=100", headers=RECOMMEND).status_code == 200
    for count in (0, 101):
        assert client.get(f"{base}?recommendationCount={count}", headers=RECOMMEND).status_code == 400


def test_without_item_or_events_the_popular_items_come_back(client, parts):
    model_id = completed_model(client, parts)
    base = f"/api/models/{model_id}/recommend"
    popular = [entry["recommendedItemId"] for entry in client.get(base, headers=RECOMMEND).json]
    assert popular == ["x", "y", "z"]
    assert [entry["recommendedItemId"] for entry in client.post(base, headers=RECOMMEND).json] == popular
    assert client.get(f"{base}?itemId=never-seen", headers=RECOMMEND).status_code == 200  # cold: not an error


def test_user_id_needs_a_model_with_user_histories(client, parts):
    without = completed_model(client, parts)
    response = client.post(f"/api/models/{without}/recommend?userId=u1", json=[], headers=RECOMMEND)
    assert (response.status_code, response.json["error"]["code"]) == (400, "UserRecommendationsDisabled")
    with_histories = completed_model(client, parts, enable_user_to_item=True)
    response = client.post(f"/api/models/{with_histories}/recommend?userId=u1&recommendationCount=1", headers=RECOMMEND)
    assert response.json == [{"recommendedItemId": "z", "score": 0.0}]  # x, y are seeds: only backfill remains


@pytest.mark.parametrize("status", [ModelStatus.CREATED, ModelStatus.IN_PROGRESS, ModelStatus.FAILED])
def test_a_model_that_is_not_completed_answers_409_with_its_status(client, parts, status):
    model_id = client.post("/api/models", json=VALID_BODY, headers=ADMIN).json["id"]
    record = parts["registry"].get(model_id)
    parts["registry"].update(record.with_status(status, "..."))
    for response in (client.get(f"/api/models/{model_id}/recommend", headers=RECOMMEND),
                     client.post(f"/api/models/{model_id}/recommend", json=[], headers=RECOMMEND),
                     client.put(f"/api/models/default?modelId={model_id}", headers=ADMIN)):
        assert (response.status_code, response.json["error"]["code"]) == (409, "ModelNotReady")
        assert status.value in response.json["error"]["message"]


def test_default_model_lifecycle(client, parts):
    assert client.get("/api/models/default", headers=ADMIN).json["error"]["code"] == "NoDefaultModel"
    assert client.get("/api/models/default/recommend", headers=RECOMMEND).json["error"]["code"] == "NoDefaultModel"
    unknown = client.put("/api/models/default?modelId=6f1c2a4e-1111-4111-8111-111111111111", headers=ADMIN)
    assert (unknown.status_code, unknown.json["error"]["code"]) == (404, "ModelNotFound")
    model_id = completed_model(client, parts)
    made_default = client.put(f"/api/models/default?modelId={model_id}", headers=ADMIN)
    assert (made_default.status_code, made_default.json["id"]) == (200, model_id)
    assert client.get("/api/models/default", headers=ADMIN).json["id"] == model_id
    assert client.get("/api/models/default/recommend?itemId=x", headers=RECOMMEND).json[0]["recommendedItemId"] == "y"
    assert client.post("/api/models/default/recommend", json=[{"itemId": "x"}],
                       headers=RECOMMEND).json[0]["recommendedItemId"] == "y"


def test_delete_removes_the_model_clears_the_default_and_queues_the_cleanup(client, parts):
    model_id = completed_model(client, parts)
    client.put(f"/api/models/default?modelId={model_id}", headers=ADMIN)
    response = client.delete(f"/api/models/{model_id}", headers=ADMIN)
    assert (response.status_code, response.get_data()) == (202, b"")
    assert client.get(f"/api/models/{model_id}", headers=ADMIN).status_code == 404
    assert client.get(f"/api/models/{model_id}/recommend", headers=RECOMMEND).status_code == 404
    assert client.get("/api/models/default", headers=ADMIN).json["error"]["code"] == "NoDefaultModel"
    assert parts["queues"].sent[-1] == ("delete", model_id) and set(parts["provider"].forgotten) == {model_id}
    again = client.delete(f"/api/models/{model_id}", headers=ADMIN)
    assert (again.status_code, again.json["error"]["code"]) == (404, "ModelNotFound")


def test_a_completed_model_without_its_blob_is_404(client, parts):
    model_id = completed_model(client, parts)
    del parts["provider"].models[model_id]
    response = client.get(f"/api/models/{model_id}/recommend", headers=RECOMMEND)
    assert (response.status_code, response.json["error"]["code"]) == (404, "ModelNotFound")


def test_the_list_pages_newest_first_with_a_continuation_token(client, parts):
    ids = [client.post("/api/models", json={**VALID_BODY, "description": str(n)}, headers=ADMIN).json["id"]
           for n in range(5)]
    # Creation times within one test may tie: spread them so "newest first" is known.
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for minutes, model_id in enumerate(ids):
        record = parts["registry"].get(model_id)
        parts["registry"].update(replace(record, creation_time=start + timedelta(minutes=minutes)))
    pages, token = [], None
    while True:
        query = {"pageSize": 2, **({"continuationToken": token} if token else {})}
        response = client.get("/api/models", query_string=query, headers=ADMIN)
        assert response.status_code == 200
        pages.append([summary["id"] for summary in response.json])
        token = response.headers.get("X-Continuation-Token")
        if token is None:
            break
    newest_first = ids[::-1]
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:]]
    assert client.get("/api/models", headers=ADMIN).json[0] == {
        "id": ids[-1], "description": "4", "creationTime": "2024-01-01T00:04:00Z", "modelStatus": "Created"}
    assert "X-Continuation-Token" not in client.get("/api/models", headers=ADMIN).headers


def test_without_paging_parameters_the_list_holds_every_model(client, parts, monkeypatch):
    """Issue 18: the original's clients never page; they get every model (up to MAX_UNPAGED_MODELS)."""
    monkeypatch.setattr(models_api, "MAX_UNPAGED_MODELS", 120)
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for minutes in range(121):  # more than a page of MAX_PAGE_SIZE (100), one more than the bound
        parts["registry"].create(ModelRecord(id=f"m{minutes:03}", description=None, status=ModelStatus.CREATED,
                                             creation_time=start + timedelta(minutes=minutes), status_message="",
                                             parameters={}))
    everything = client.get("/api/models", headers=ADMIN)
    assert [summary["id"] for summary in everything.json] == [f"m{minutes:03}" for minutes in range(120, 0, -1)]
    rest = client.get("/api/models", query_string={"continuationToken": everything.headers["X-Continuation-Token"]},
                      headers=ADMIN)
    assert [summary["id"] for summary in rest.json] == ["m000"] and "X-Continuation-Token" not in rest.headers
    first = client.get("/api/models", query_string={"pageSize": 10}, headers=ADMIN)
    assert len(first.json) == 10
    token_only = {"continuationToken": first.headers["X-Continuation-Token"]}
    assert len(client.get("/api/models", query_string=token_only, headers=ADMIN).json) == 100  # pages of 100


def test_a_foreign_continuation_token_is_400(client):
    response = client.get("/api/models?continuationToken=bm90LWEtdG9rZW4", headers=ADMIN)
    assert response.status_code == 400
    assert response.json["error"]["details"][0]["code"] == "InvalidContinuationToken"
