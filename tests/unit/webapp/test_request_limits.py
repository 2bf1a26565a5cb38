"""What one request may carry: bounded, finite event weights, at most MAX_EVENTS events, a body (chunked or not)
of at most MAX_REQUEST_BYTES; and every answer is strict JSON (the test client checks it, StrictJsonClient)."""
import io
import json

import pytest
from api_fakes import ADMIN, MAX_REQUEST_BYTES, RECOMMEND, VALID_BODY, StrictJsonClient, completed_model, make_client
from flask import Flask

from webapp.request_schemas import MAX_EVENTS

EVENT = {"itemId": "x"}


def post_events(client, model_id, body, route="recommend"):
    return client.post(f"/api/models/{model_id}/{route}", json=body, headers=RECOMMEND)


@pytest.mark.parametrize("weight", [1e6 + 1, -1e6 - 1, 1e300, 1e400, float("inf"), float("nan")])
def test_an_event_weight_that_is_not_finite_or_beyond_a_million_is_400_naming_the_field(client, parts, weight):
    model_id = completed_model(client, parts)
    body = json.dumps([{"itemId": "x", "weight": weight}])  # Python writes inf and nan as Infinity and NaN
    response = client.post(f"/api/models/{model_id}/recommend", data=body,
                           headers={**RECOMMEND, "Content-Type": "application/json"})
    assert response.status_code == 400, response.json
    assert [detail["field"] for detail in response.json["error"]["details"]] == ["[0].weight"]


@pytest.mark.parametrize("weight", [1e6, -1e6, 0, 2.5])
def test_weights_up_to_a_million_either_way_are_accepted(client, parts, weight):
    model_id = completed_model(client, parts)
    assert post_events(client, model_id, [{"itemId": "x", "weight": weight}]).status_code == 200


@pytest.mark.parametrize("route, body, field", [
    ("recommend", [EVENT] * (MAX_EVENTS + 1), "body"),
    ("recommend", {"events": [EVENT] * (MAX_EVENTS + 1)}, "events"),
    ("scores", {"itemIds": ["x"], "events": [EVENT] * (MAX_EVENTS + 1)}, "events"),
])
def test_more_than_a_thousand_events_is_400_too_many_events(client, parts, route, body, field):
    model_id = completed_model(client, parts)
    response = post_events(client, model_id, body, route)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "TooManyEvents"
    assert response.json["error"]["details"][0]["field"] == field
    assert post_events(client, model_id, {"itemIds": ["x"], "events": [EVENT] * MAX_EVENTS}, "scores").status_code == 200


@pytest.fixture
def max_request_bytes():
    return 100_000  # room for a thousand events


def chunked_post(client, model_id, body: bytes):
    """A POST whose body comes without Content-Length, as gunicorn hands a chunked one to the app."""
    return client.post(f"/api/models/{model_id}/recommend", input_stream=io.BytesIO(body),
                       headers={**RECOMMEND, "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
                       environ_overrides={"wsgi.input_terminated": True})


def test_a_chunked_body_over_the_limit_is_413_not_a_cut_body(client, parts):
    model_id = completed_model(client, parts)
    response = chunked_post(client, model_id, json.dumps([{"itemId": "y" * 400}] * 300).encode())
    assert response.status_code == 413 and response.json["error"]["code"] == "PayloadTooLarge"


def test_a_chunked_body_within_the_limit_is_read_whole(client, parts):
    model_id = completed_model(client, parts)
    whole = client.post(f"/api/models/{model_id}/recommend?recommendationCount=2", json=[{"itemId": "x"}],
                        headers=RECOMMEND)
    response = chunked_post(client, model_id, b'[{"itemId": "x"}' + b" " * (MAX_REQUEST_BYTES * 10) + b"]")
    assert response.status_code == 200 and response.json[:2] == whole.json[:2]


def test_the_strict_client_fails_on_an_answer_holding_nan():
    # Guards the check every webapp unit test gets: an answer with NaN would fail the test that received it.
    app = Flask(__name__)
    app.add_url_rule("/nan", view_func=lambda: app.response_class('{"score": NaN}', mimetype="application/json"))
    app.test_client_class = StrictJsonClient
    with pytest.raises(AssertionError, match="NaN"):
        app.test_client().get("/nan")


# --- the containers a model may read ---------------------------------------------------------------


def test_the_models_container_is_never_a_models_data(client):
    response = client.post("/api/models", json={**VALID_BODY, "blobContainerName": "models"}, headers=ADMIN)
    assert response.status_code == 400 and response.json["error"]["code"] == "ContainerNotAllowed"
    assert response.json["error"]["details"][0]["field"] == "blobContainerName"
    assert "service's own container" in response.json["error"]["message"]


def test_usage_containers_lists_the_only_containers_a_model_may_read(parts):
    client = make_client(parts, USAGE_CONTAINERS="data,shop-b")
    assert client.post("/api/models", json=VALID_BODY, headers=ADMIN).status_code == 201
    response = client.post("/api/models", json={**VALID_BODY, "blobContainerName": "other"}, headers=ADMIN)
    assert response.status_code == 400 and response.json["error"]["code"] == "ContainerNotAllowed"
    assert "data, shop-b" in response.json["error"]["message"]
    assert len(parts["queues"].sent) == 1  # the refused model was never queued
