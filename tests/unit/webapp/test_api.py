"""The REST API in process, with the in-memory registry and small fakes behind the same interfaces."""
import pytest

from common.settings import Settings
from model_provider import ModelBlobNotFoundError
from recommender import SARModel, SARParameters, make_events
from registry import InMemoryModelRegistry, ModelStatus
from webapp import create_app

ADMIN, RECOMMEND = {"x-api-key": "admin-1"}, {"x-api-key": "recommend-1"}
VALID_BODY = {"blobContainerName": "data", "usageRelativePath": "usage/"}


class FakeQueues:
    def __init__(self):
        self.sent = []

    def send_train(self, model_id):
        self.sent.append(("train", model_id))

    def send_delete(self, model_id):
        self.sent.append(("delete", model_id))


class FakeProvider:
    def __init__(self):
        self.models, self.forgotten = {}, []

    def get_model(self, model_id):
        try:
            return self.models[model_id]
        except KeyError:
            raise ModelBlobNotFoundError(model_id) from None

    def forget(self, model_id):
        self.forgotten.append(model_id)


@pytest.fixture
def parts():
    return {"registry": InMemoryModelRegistry(), "provider": FakeProvider(), "queues": FakeQueues(),
            "usage_locator": lambda container, path: ["usage/a.csv"] if container == "data" else []}


@pytest.fixture
def client(parts):
    settings = Settings.from_environ({"AZURE_STORAGE_CONNECTION_STRING": "unused", "ADMIN_PRIMARY_KEY": "admin-1",
                                      "ADMIN_SECONDARY_KEY": "admin-2", "RECOMMEND_PRIMARY_KEY": "recommend-1",
                                      "MAX_REQUEST_BYTES": "2000"})
    return create_app(settings, **parts).test_client()


def completed_model(client, parts, **parameters):
    """Create a model through the API, then complete it with a model trained on two clusters."""
    model_id = client.post("/api/models", json=VALID_BODY, headers=ADMIN).json["id"]
    record = parts["registry"].get(model_id)
    parts["registry"].update(record.with_status(ModelStatus.COMPLETED, "done"))
    events = make_events(["u1", "u1", "u2", "u2", "u3"], ["x", "y", "x", "y", "z"])
    parts["provider"].models[model_id] = SARModel.fit(events, SARParameters(support_threshold=1, **parameters))
    return model_id


def test_create_returns_201_with_location_and_queues_training(client, parts):
    response = client.post("/api/models", json={**VALID_BODY, "description": "d"}, headers=ADMIN)
    assert response.status_code == 201
    body = response.json
    assert response.headers["Location"] == f"/api/models/{body['id']}"
    assert (body["modelStatus"], body["description"], body["parameters"]["supportThreshold"]) == ("Created", "d", 6)
    assert body["parameters"]["usageRelativePath"] == "usage"  # trailing slash trimmed
    assert parts["queues"].sent == [("train", body["id"])]


@pytest.mark.parametrize("body, field", [
    ({"blobContainerName": "data"}, "usageRelativePath"),
    ({**VALID_BODY, "usageRelativePath": "a/../b"}, "usageRelativePath"),
    ({**VALID_BODY, "usageRelativePath": "a\\b"}, "usageRelativePath"),
    ({**VALID_BODY, "usageRelativePath": "/abs"}, "usageRelativePath"),
    ({**VALID_BODY, "blobContainerName": "Bad_Name"}, "blobContainerName"),
    ({**VALID_BODY, "supportThreshold": 0}, "supportThreshold"),
    ({**VALID_BODY, "supportThreshold": "6"}, "supportThreshold"),
    ({**VALID_BODY, "enableBackfilling": "yes"}, "enableBackfilling"),
    ({**VALID_BODY, "similarityFunction": "Cosine"}, "similarityFunction"),
    ({**VALID_BODY, "description": "x" * 257}, "description"),
    ({**VALID_BODY, "unknownField": 1}, "unknownField"),
    ({**VALID_BODY, "evaluationUsageRelativePath": "usage/test.csv"}, "evaluationUsageRelativePath"),
    ({**VALID_BODY, "enableColdItemPlacement": True}, "catalogFileRelativePath"),
])
def test_invalid_parameters_name_the_field(client, parts, body, field):
    response = client.post("/api/models", json=body, headers=ADMIN)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "InvalidRequest"
    assert field in [detail["field"] for detail in response.json["error"]["details"]]
    assert parts["queues"].sent == []


def test_missing_container_and_usage_are_told_at_creation(client):
    no_usage = client.post("/api/models", json={"blobContainerName": "other", "usageRelativePath": "x"}, headers=ADMIN)
    assert (no_usage.status_code, no_usage.json["error"]["code"]) == (400, "UsageFileNotFound")


@pytest.mark.parametrize("headers, status, code", [
    ({}, 401, "Unauthorized"),
    ({"x-api-key": "wrong"}, 401, "Unauthorized"),
    (RECOMMEND, 403, "Forbidden"),
])
def test_admin_routes_refuse_other_keys(client, headers, status, code):
    response = client.get("/api/models", headers=headers)
    assert (response.status_code, response.json["error"]["code"]) == (status, code)


def test_secondary_admin_key_works(client):
    assert client.get("/api/models", headers={"x-api-key": "admin-2"}).status_code == 200


def test_item_to_item_and_personalized(client, parts):
    model_id = completed_model(client, parts)
    similar = client.get(f"/api/models/{model_id}/recommend?itemId=x&recommendationCount=3", headers=RECOMMEND)
    assert similar.status_code == 200
    assert similar.json[0] == {"recommendedItemId": "y", "score": 1.0}
    assert [entry["score"] for entry in similar.json[1:]] == [0.0]  # backfill: z (x is the seed)
    personalized = client.post(f"/api/models/{model_id}/recommend", json=[{"itemId": "y", "eventType": "Click"}],
                               headers=RECOMMEND)
    assert personalized.json[0]["recommendedItemId"] == "x"


def test_recommend_rules(client, parts):
    model_id = completed_model(client, parts)
    base = f"/api/models/{model_id}/recommend"
    assert client.get(f"{base}?itemId=x&recommendationCount=101", headers=RECOMMEND).status_code == 400
    assert client.get(f"{base}?itemId=x&recommendationCount=0", headers=RECOMMEND).status_code == 400
    user = client.post(f"{base}?userId=u1", json=[], headers=RECOMMEND)
    assert (user.status_code, user.json["error"]["code"]) == (400, "UserRecommendationsDisabled")
    popular = client.get(base, headers=RECOMMEND)  # no itemId: backfill only
    assert [entry["recommendedItemId"] for entry in popular.json] == ["x", "y", "z"]
    text = client.post(base, data="x", headers={**RECOMMEND, "Content-Type": "text/plain"})
    assert (text.status_code, text.json["error"]["code"]) == (415, "UnsupportedMediaType")
    huge = client.post(base, json=[{"itemId": "x" * 400}] * 10, headers=RECOMMEND)
    assert (huge.status_code, huge.json["error"]["code"]) == (413, "PayloadTooLarge")


def test_user_history_when_enabled(client, parts):
    model_id = completed_model(client, parts, enable_user_to_item=True)
    response = client.post(f"/api/models/{model_id}/recommend?userId=u1&recommendationCount=1", headers=RECOMMEND)
    assert response.json == [{"recommendedItemId": "z", "score": 0.0}]  # x, y are seeds: only backfill remains


def test_default_model_lifecycle(client, parts):
    assert client.get("/api/models/default", headers=ADMIN).json["error"]["code"] == "NoDefaultModel"
    pending = client.post("/api/models", json=VALID_BODY, headers=ADMIN).json["id"]
    assert client.put(f"/api/models/default?modelId={pending}", headers=ADMIN).status_code == 409
    model_id = completed_model(client, parts)
    assert client.put(f"/api/models/default?modelId={model_id}", headers=ADMIN).status_code == 200
    assert client.get("/api/models/default/recommend?itemId=x", headers=RECOMMEND).json[0]["recommendedItemId"] == "y"
    assert client.delete(f"/api/models/{model_id}", headers=ADMIN).status_code == 202
    assert client.get(f"/api/models/{model_id}", headers=ADMIN).status_code == 404
    assert client.get("/api/models/default", headers=ADMIN).status_code == 404
    assert ("delete", model_id) in parts["queues"].sent and parts["provider"].forgotten == [model_id]


def test_bad_ids_and_unknown_routes(client):
    assert client.get("/api/models/not-a-guid", headers=ADMIN).json["error"]["code"] == "InvalidModelId"
    unknown = client.get("/api/models/6f1c2a4e-1111-4111-8111-111111111111", headers=ADMIN)
    assert (unknown.status_code, unknown.json["error"]["code"]) == (404, "ModelNotFound")
    assert client.get("/nope").json["error"]["code"] == "NotFound"
    assert client.patch("/api/models", headers=ADMIN).json["error"]["code"] == "MethodNotAllowed"


def test_unexpected_errors_are_500_without_a_stack_trace(client, parts):
    def broken(*args):
        raise RuntimeError("secret internals")
    parts["registry"].list = broken
    response = client.get("/api/models", headers=ADMIN)
    assert response.status_code == 500
    assert response.json["error"]["code"] == "InternalError"
    assert "secret internals" not in response.get_data(as_text=True)
    assert response.headers["X-Request-Id"] in response.json["error"]["message"]
