"""The whole path over HTTP: gunicorn and `python -m webjob` processes on a real Azurite."""
import time

import pytest
import requests

from api_keys import ADMIN_KEY, KEYS, RECOMMEND_KEY
from devtools.stack import service_environ, start_webapp, start_worker
from usage_data import CLUSTERED_USAGE

ADMIN = {"x-api-key": ADMIN_KEY}
RECOMMEND = {"x-api-key": RECOMMEND_KEY}


@pytest.fixture
def stack(azurite, settings, storage_names, tmp_path):
    """A web app (2 gunicorn workers) and a worker process on this test's storage names."""
    environ = service_environ(azurite.connection_string, KEYS, queue_poll_seconds=0.1, **storage_names)
    webapp, base_url = start_webapp(environ, tmp_path)
    worker = start_worker(environ, tmp_path)
    yield base_url
    for process in (worker, webapp):
        process.stop()


def wait_for_status(base_url, model_id, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        model = requests.get(f"{base_url}/api/models/{model_id}", headers=ADMIN, timeout=5).json()
        if model["modelStatus"] in ("Completed", "Failed"):
            return model
        time.sleep(0.2)
    raise AssertionError(f"model {model_id} still {model['modelStatus']} after {timeout} s")


def test_create_train_and_recommend(stack, usage_container):
    usage_container.upload_blob("usage/events.csv", CLUSTERED_USAGE)
    created = requests.post(f"{stack}/api/models", headers=ADMIN, timeout=10, json={
        "description": "e2e", "blobContainerName": usage_container.container_name, "usageRelativePath": "usage/"})
    assert created.status_code == 201, created.text
    model_id = created.json()["id"]
    assert created.headers["Location"].endswith(f"/api/models/{model_id}")
    assert created.json()["modelStatus"] == "Created"

    model = wait_for_status(stack, model_id)
    assert model["modelStatus"] == "Completed", model["modelStatusMessage"]
    assert model["statistics"]["numberOfUsers"] == 12

    similar = requests.get(f"{stack}/api/models/{model_id}/recommend", params={"itemId": "b2", "recommendationCount": 3},
                           headers=RECOMMEND, timeout=10)
    assert similar.status_code == 200
    assert [r["recommendedItemId"] for r in similar.json()[:2]] == ["b1", "b3"]
    assert similar.json()[0]["score"] == pytest.approx(1.0)
    assert similar.json()[2]["score"] == 0.0  # backfilled: a popular item from the other cluster

    personalized = requests.post(f"{stack}/api/models/default/recommend", params={"recommendationCount": 2},
                                 json=[{"itemId": "a1", "eventType": "Purchase"}], headers=RECOMMEND, timeout=10)
    assert personalized.status_code == 200, personalized.text
    assert {r["recommendedItemId"] for r in personalized.json()} == {"a2", "a3"}


def test_bad_requests_get_the_error_shape(stack, usage_container):
    missing_field = requests.post(f"{stack}/api/models", headers=ADMIN, json={"blobContainerName": "data"}, timeout=10)
    assert missing_field.status_code == 400
    assert missing_field.json()["error"]["details"][0]["field"] == "usageRelativePath"

    not_json = requests.post(f"{stack}/api/models", headers={**ADMIN, "Content-Type": "application/json"},
                             data="{oops", timeout=10)
    assert (not_json.status_code, not_json.json()["error"]["code"]) == (400, "InvalidRequest")

    no_blob = requests.post(f"{stack}/api/models", headers=ADMIN, timeout=10, json={
        "blobContainerName": usage_container.container_name, "usageRelativePath": "absent.csv"})
    assert (no_blob.status_code, no_blob.json()["error"]["code"]) == (400, "UsageFileNotFound")

    unknown = requests.get(f"{stack}/api/models/9b2f6a8e-0000-4000-8000-000000000000", headers=ADMIN, timeout=10)
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "ModelNotFound")

    assert requests.get(f"{stack}/api/models", headers=RECOMMEND, timeout=10).status_code == 403
    assert requests.get(f"{stack}/api/models", timeout=10).status_code == 401


def test_recommend_on_a_model_not_yet_trained_is_409(azurite, settings, storage_names, tmp_path, usage_container):
    environ = service_environ(azurite.connection_string, KEYS, **storage_names)
    webapp, base_url = start_webapp(environ, tmp_path, workers=1)  # no worker: the model stays Created
    try:
        usage_container.upload_blob("u.csv", CLUSTERED_USAGE)
        model_id = requests.post(f"{base_url}/api/models", headers=ADMIN, timeout=10, json={
            "blobContainerName": usage_container.container_name, "usageRelativePath": "u.csv"}).json()["id"]
        response = requests.get(f"{base_url}/api/models/{model_id}/recommend", params={"itemId": "a1"},
                                headers=RECOMMEND, timeout=10)
        assert (response.status_code, response.json()["error"]["code"]) == (409, "ModelNotReady")
        assert "Created" in response.json()["error"]["message"]
    finally:
        webapp.stop()
