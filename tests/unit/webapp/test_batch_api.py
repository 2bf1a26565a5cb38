"""Batch job routes (issue 23) on in-memory collaborators."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from registry import JobRecord, JobStatus
from webapp.batch_api import MAX_LISTED_JOBS

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


def add_job(parts, model_id, minutes_ago, status=JobStatus.QUEUED):
    """A job record as a worker would leave it, created `minutes_ago` before 2025-06-01 12:00 UTC."""
    creation_time = datetime(2025, 6, 1, 12, tzinfo=timezone.utc) - timedelta(minutes=minutes_ago)
    return parts["jobs"].create_job(JobRecord(id=str(uuid.uuid4()), model_id=model_id, creation_time=creation_time,
                                              status=status, status_message=f"{status.value} job", request=BODY))


def test_a_models_jobs_are_listed_newest_first_as_get_shows_them(client, parts):
    model_id, other_id = completed_model(client, parts), completed_model(client, parts)
    # Stored out of time order, and a newer job of another model that must not show.
    created = {minutes: add_job(parts, model_id, minutes) for minutes in (5, 1, 9)}
    add_job(parts, other_id, 0)
    parts["jobs"].update_job(created[9].with_status(JobStatus.FAILED, "Failed: user list", errors={"errors": []}))
    response = client.get(f"/api/models/{model_id}/batches", headers=ADMIN)
    assert response.status_code == 200
    assert [job["id"] for job in response.json] == [created[minutes].id for minutes in (1, 5, 9)]
    assert response.json == [client.get(f"/api/batches/{created[minutes].id}", headers=ADMIN).json
                             for minutes in (1, 5, 9)]
    assert (response.json[2]["status"], response.json[2]["errors"]) == ("Failed", {"errors": []})


def test_a_job_created_through_the_api_is_listed(client, parts):
    model_id = completed_model(client, parts)
    enable_histories(parts, model_id)
    assert client.get(f"/api/models/{model_id}/batches", headers=ADMIN).json == []
    job = client.post(f"/api/models/{model_id}/batch", json=BODY, headers=ADMIN).json
    assert client.get(f"/api/models/{model_id}/batches", headers=ADMIN).json == [job]


def test_the_list_stops_at_the_newest_max_listed_jobs(client, parts):
    model_id = completed_model(client, parts)
    ids = [add_job(parts, model_id, minutes).id for minutes in range(MAX_LISTED_JOBS + 2)]  # ids[0] is the newest
    listed = client.get(f"/api/models/{model_id}/batches", headers=ADMIN).json
    assert [job["id"] for job in listed] == ids[:MAX_LISTED_JOBS]


@pytest.mark.parametrize("model_id, status, code", [(str(uuid.uuid4()), 404, "ModelNotFound"),
                                                    ("not-a-guid", 400, "InvalidModelId")])
def test_jobs_of_an_unknown_or_malformed_model_id(client, model_id, status, code):
    response = client.get(f"/api/models/{model_id}/batches", headers=ADMIN)
    assert (response.status_code, response.json["error"]["code"]) == (status, code)


def test_listing_jobs_needs_an_admin_key_and_no_query(client, parts):
    model_id = completed_model(client, parts)
    assert client.get(f"/api/models/{model_id}/batches", headers=RECOMMEND).status_code == 403
    assert client.get(f"/api/models/{model_id}/batches").status_code == 401
    response = client.get(f"/api/models/{model_id}/batches?top=500", headers=ADMIN)
    assert (response.status_code, response.json["error"]["code"]) == (400, "InvalidRequest")
