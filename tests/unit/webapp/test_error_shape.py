"""Every failure has one shape, {"error": {"code", "message", "details"}}, and every answer a request id."""
import logging
import os
from types import SimpleNamespace

import pytest
from api_fakes import ADMIN, MAX_REQUEST_BYTES, RECOMMEND, VALID_BODY, completed_model, make_client
from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

from model_provider import ModelCorruptError, ModelIntegrityError
from registry import StorageUnavailableError

MODEL = "6f1c2a4e-1111-4111-8111-111111111111"


def assert_error(response, status: int, code: str):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert set(response.json) == {"error"} and set(response.json["error"]) == {"code", "message", "details"}
    assert response.json["error"]["code"] == code
    assert response.headers["X-Request-Id"]


@pytest.mark.parametrize("method, path", [("GET", "/nope"), ("GET", "/api/model"), ("GET", "/api/models/"),
                                          ("POST", "/api"), ("GET", f"/api/models/{MODEL}/recommend/extra")])
def test_an_unknown_route_is_404(client, method, path):
    assert_error(client.open(path, method=method, headers=ADMIN), 404, "NotFound")


@pytest.mark.parametrize("method, path, allowed", [
    ("PATCH", "/api/models", {"GET", "HEAD", "POST"}),
    ("DELETE", "/api/models/default", {"GET", "HEAD", "PUT"}),  # "default" is not a model id
    ("PUT", f"/api/models/{MODEL}", {"GET", "HEAD", "DELETE"}),
    ("DELETE", "/api/models/default/recommend", {"GET", "HEAD", "POST"}),
    ("OPTIONS", "/api/models", {"GET", "HEAD", "POST"}),  # no automatic OPTIONS answer
    ("POST", "/api/openapi.yaml", {"GET", "HEAD"}),
])
def test_a_method_the_route_does_not_have_is_405_with_allow(client, method, path, allowed):
    response = client.open(path, method=method, headers=ADMIN)
    assert_error(response, 405, "MethodNotAllowed")
    assert set(response.headers["Allow"].split(", ")) == allowed


def test_a_body_over_the_limit_is_413_on_every_route_that_reads_one(client, parts):
    model_id = completed_model(client, parts)
    body = b"[" + b" " * MAX_REQUEST_BYTES + b"]"
    for path, headers in (("/api/models", ADMIN), (f"/api/models/{model_id}/recommend", RECOMMEND)):
        response = client.post(path, data=body, headers={**headers, "Content-Type": "application/json"})
        assert_error(response, 413, "PayloadTooLarge")


def test_a_body_that_is_not_json_is_415(client, parts):
    model_id = completed_model(client, parts)
    response = client.post(f"/api/models/{model_id}/recommend", data="x", headers={**RECOMMEND, "Content-Type": "text/plain"})
    assert_error(response, 415, "UnsupportedMediaType")


def test_an_unexpected_error_is_500_without_internals_and_logged_with_its_request_id(client, parts, caplog):
    def broken(*args):
        raise RuntimeError("secret internals")
    parts["registry"].list_page = broken
    with caplog.at_level(logging.ERROR, logger="webapp.errors"):
        response = client.get("/api/models", headers=ADMIN)
    assert_error(response, 500, "InternalError")
    text = response.get_data(as_text=True)
    assert "secret internals" not in text and "Traceback" not in text and "RuntimeError" not in text
    request_id = response.headers["X-Request-Id"]
    assert request_id in response.json["error"]["message"]
    assert request_id in caplog.text and "secret internals" in caplog.text  # the operator sees what the client does not


@pytest.mark.parametrize("error, status, code", [
    (ModelCorruptError, 500, "ModelCorrupt"),
    (ModelIntegrityError, 503, "ModelIntegrityError"),  # another model's blob: logged, never served as this one
])
def test_a_model_blob_that_cannot_be_served_is_a_logged_error(client, parts, caplog, error, status, code):
    model_id = completed_model(client, parts)

    def refused(model_id):
        raise error(f"{model_id}: not this model's blob")
    parts["provider"].get = refused
    with caplog.at_level(logging.ERROR, logger="webapp.errors"):
        response = client.get(f"/api/models/{model_id}/recommend", headers=RECOMMEND)
    assert_error(response, status, code)
    assert response.headers["X-Request-Id"] in caplog.text and model_id in caplog.text


def test_storage_trouble_is_503(client, parts):
    def unavailable(*args):
        raise StorageUnavailableError("table storage unreachable")
    parts["registry"].get = unavailable
    assert_error(client.get(f"/api/models/{MODEL}", headers=ADMIN), 503, "StorageUnavailable")


@pytest.mark.parametrize("error, status, code", [
    (ServiceRequestError("connection refused"), 503, "StorageUnavailable"),
    (ServiceResponseError("connection reset"), 503, "StorageUnavailable"),
    (HttpResponseError(response=SimpleNamespace(status_code=503, reason="Server Busy", headers={},
                                                 text=lambda *args: "")), 503, "StorageUnavailable"),
    (HttpResponseError(response=SimpleNamespace(status_code=403, reason="Forbidden", headers={},
                                                 text=lambda *args: "")), 500, "InternalError"),
])
def test_blob_storage_trouble_on_the_creation_check_is_503_and_our_own_mistakes_500(client, parts, error, status,
                                                                                      code):
    def failing(container, path):
        raise error
    parts["usage_locator"] = failing
    client = make_client(parts)
    assert_error(client.post("/api/models", json=VALID_BODY, headers=ADMIN), status, code)
    assert parts["registry"].list_page(10).summaries == []  # nothing was created


def test_a_forked_process_numbers_its_requests_under_a_prefix_of_its_own():
    from webapp.ops import new_request_id
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a gunicorn worker forked after the import
        os.write(write, new_request_id().encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child, parent = os.read(read, 64).decode(), new_request_id()
    assert len(child) == len(parent) == 32 and child[:16] != parent[:16]


def test_request_ids_are_new_per_request_or_the_clients_when_safe(client):
    first, second = (client.get("/api/models", headers=ADMIN).headers["X-Request-Id"] for _ in range(2))
    assert first != second and len(first) == 32
    assert client.get("/api/models", headers={**ADMIN, "X-Request-Id": "lb-42.a_b"}).headers["X-Request-Id"] == "lb-42.a_b"
    forged = client.get("/api/models", headers={**ADMIN, "X-Request-Id": "x\u2028INFO fake"}).headers["X-Request-Id"]
    assert len(forged) == 32 and "fake" not in forged
