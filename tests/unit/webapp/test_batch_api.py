"""Batch job routes (issue 23) on in-memory collaborators."""
import uuid

import pytest

from registry import JobStatus

from api_fakes import ADMIN, RECOMMEND, completed_model, make_client, make_parts

BODY = {"outputContainerName": "data", "outputRelativePath": "out/run-1", "recommendationCount": 5}


@pytest.fixture
def parts():
    return make_parts()


@pytest.fixture
def client(parts):
    return make_client(parts)


def test_a_job_is_queued_and_readable(client, parts):
    model_id = completed_model(client, parts, enable_user_to_item=True)
    enable_histories(parts, model_id)
    response = client.post(f"/api/models/{model_id}/batch", json={**BODY, "itemIdPrefix": "x"}, headers=ADMIN)
    assert response.status_code == 202, response.json
    job = response.json
    assert (job["status"], job["modelId"], job["progress"]) == ("Queued", model_id, 0.0)
    assert job["request"]["format"] == "csv" and job["request"]["itemIdPrefix"] == "x"
    assert ("batch", job["id"]) in parts["queues"].sent
    assert response.headers["Location"].endswith(f"/api/batches/{job['id']}")
    assert client.get(f"/api/batches/{job['id']}", headers=ADMIN).json == job


def enable_histories(parts, model_id):
    record = parts["registry"].get(model_id)
    parts["registry"].update(type(record)(**{**record.__dict__, "parameters": {
        **record.parameters, "enableUserToItemRecommendations": True}}))


def test_output_in_the_models_container_is_refused(client, parts):
    model_id = completed_model(client, parts)
    enable_histories(parts, model_id)
    response = client.post(f"/api/models/{model_id}/batch", json={**BODY, "outputContainerName": "models"},
                           headers=ADMIN)
    assert (response.status_code, response.json["error"]["code"]) == (400, "OutputInServiceContainer")


def test_a_model_without_histories_is_refused(client, parts):
    model_id = completed_model(client, parts)
    response = client.post(f"/api/models/{model_id}/batch", json=BODY, headers=ADMIN)
    assert (response.status_code, response.json["error"]["code"]) == (400, "UserRecommendationsDisabled")


@pytest.mark.parametrize("body, code", [
    ({**BODY, "outputContainerName": "nothere"}, "ContainerNotFound"),
    ({**BODY, "userListRelativePath": "missing.txt"}, "UserListNotFound"),
    ({**BODY, "format": "xml"}, "InvalidRequest"),
    ({**BODY, "recommendationCount": 101}, "InvalidRequest"),
    ({**BODY, "outputRelativePath": "../up"}, "InvalidRequest"),
    ({**BODY, "categoryWindow": 3}, "InvalidRequest"),
])
def test_bad_requests_are_400(client, parts, body, code):
    model_id = completed_model(client, parts)
    enable_histories(parts, model_id)
    response = client.post(f"/api/models/{model_id}/batch", json=body, headers=ADMIN)
    assert (response.status_code, response.json["error"]["code"]) == (400, code)


def test_recommend_keys_may_not_start_jobs(client, parts):
    model_id = completed_model(client, parts)
    assert client.post(f"/api/models/{model_id}/batch", json=BODY, headers=RECOMMEND).status_code == 403


def test_cancel_then_deleting_the_model_cancels_the_rest(client, parts):
    model_id = completed_model(client, parts)
    enable_histories(parts, model_id)
    first, second = (client.post(f"/api/models/{model_id}/batch", json=BODY, headers=ADMIN).json["id"]
                     for _ in range(2))
    cancelled = client.delete(f"/api/batches/{first}", headers=ADMIN)
    assert (cancelled.status_code, cancelled.json["status"]) == (202, "Cancelled")
    assert client.delete(f"/api/models/{model_id}", headers=ADMIN).status_code == 202
    assert parts["jobs"].get_job(second).status == JobStatus.CANCELLED
    assert "model was deleted" in parts["jobs"].get_job(second).status_message


def test_a_finished_job_cannot_be_cancelled(client, parts):
    model_id = completed_model(client, parts)
    enable_histories(parts, model_id)
    job_id = client.post(f"/api/models/{model_id}/batch", json=BODY, headers=ADMIN).json["id"]
    job = parts["jobs"].get_job(job_id)
    parts["jobs"].update_job(job.with_status(JobStatus.COMPLETED, "done"))
    response = client.delete(f"/api/batches/{job_id}", headers=ADMIN)
    assert (response.status_code, response.json["error"]["code"]) == (409, "JobFinished")


@pytest.mark.parametrize("job_id, status, code", [(str(uuid.uuid4()), 404, "JobNotFound"),
                                                  ("not-a-guid", 400, "InvalidJobId")])
def test_unknown_and_malformed_job_ids(client, job_id, status, code):
    response = client.get(f"/api/batches/{job_id}", headers=ADMIN)
    assert (response.status_code, response.json["error"]["code"]) == (status, code)


def test_output_outside_the_allowed_containers_is_refused(parts):
    client = make_client(parts, USAGE_CONTAINERS="data")
    model_id = completed_model(client, parts)
    enable_histories(parts, model_id)
    response = client.post(f"/api/models/{model_id}/batch", json={**BODY, "outputContainerName": "elsewhere"},
                           headers=ADMIN)
    assert (response.status_code, response.json["error"]["code"]) == (400, "ContainerNotAllowed")
    assert response.json["error"]["details"][0]["field"] == "outputContainerName"


def test_a_request_too_large_to_keep_with_the_job_is_refused(parts):
    """A job's request is one Azure table property (at most 32K characters): a longer one is a 400, not a 500."""
    client = make_client(parts, max_request_bytes=1_048_576)
    model_id = completed_model(client, parts)
    enable_histories(parts, model_id)
    excluded = [f"item-{'x' * 40}-{n}" for n in range(1000)]
    response = client.post(f"/api/models/{model_id}/batch", json={**BODY, "excludeItemIds": excluded},
                           headers=ADMIN)
    assert (response.status_code, response.json["error"]["code"]) == (400, "BatchRequestTooLarge")
    assert not [message for message in parts["queues"].sent if message[0] == "batch"]
