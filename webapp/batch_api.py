"""Batch scoring jobs (issue 23): create one on a model, read its status, cancel it."""
import json
import uuid
from datetime import datetime, timezone

from flask import Blueprint, current_app, request, url_for

from registry import FINAL_JOB_STATUSES, ConcurrentUpdateError, JobNotFoundError, JobRecord, JobStatus, ModelStatus
from storage.exceptions import ContainerNotFoundError

from . import services
from .auth import require_role
from .containers import check_container_allowed
from .errors import ApiError, field_error
from .models_api import get_default_record, get_record
from .request_body import json_body
from .request_schemas import batch_request_schema, no_query_schema

MAX_STORED_REQUEST_CHARS = 30_000
"""Longest job request, as JSON, kept with the job: an Azure table property holds at most 32K characters."""
MAX_LISTED_JOBS = 50
"""Most jobs GET /api/models/{modelId}/batches returns (the newest): one bounded registry read per request."""

bp = Blueprint("batch", __name__, url_prefix="/api")


@bp.post("/models/<model_id:model_id>/batch")
@require_role("admin")
def create_batch(model_id):
    """Queue a job that writes the top k of every user (or of a listed user) to blobs."""
    return _create(get_record(model_id))


@bp.post("/models/default/batch")
@require_role("admin")
def create_batch_default():
    """A batch job on the default model."""
    return _create(get_default_record())


@bp.get("/models/<model_id:model_id>/batches")
@require_role("admin")
def list_batches(model_id):
    """The model's newest batch jobs (at most MAX_LISTED_JOBS), newest first. :raise 404 ModelNotFound:"""
    no_query_schema.load(request.args.to_dict())
    record = get_record(model_id)
    return [job_to_json(job) for job in jobs().newest_jobs_of_model(record.id, MAX_LISTED_JOBS)]


@bp.get("/batches/<job_id>")
@require_role("admin")
def get_batch(job_id):
    """A job's status, progress, counters and user-list report."""
    no_query_schema.load(request.args.to_dict())
    return job_to_json(_job(job_id))


@bp.delete("/batches/<job_id>")
@require_role("admin")
def cancel_batch(job_id):
    """Cancel a job: its worker stops at the next block. :raise 409 JobFinished: Completed or Failed already"""
    no_query_schema.load(request.args.to_dict())
    job = _job(job_id)
    if job.status in (JobStatus.COMPLETED, JobStatus.FAILED):
        raise ApiError(409, "JobFinished", f"batch job {job.id} is {job.status.value}")
    if job.status != JobStatus.CANCELLED:
        job = _cancel(job, "Cancelled by request")
    return job_to_json(job), 202


def cancel_jobs_of_model(model_id: str) -> None:
    """Cancel every unfinished job of a deleted model."""
    for job in jobs().jobs_of_model(model_id):
        if job.status not in FINAL_JOB_STATUSES:
            _cancel(job, "Cancelled: the model was deleted")


def jobs():
    """The JobRegistry."""
    return current_app.extensions["jobs"]


def job_to_json(job: JobRecord) -> dict:
    """A job as the API shows it."""
    return {"id": job.id, "modelId": job.model_id, "creationTime": job.creation_time.isoformat(),
            "status": job.status.value, "statusMessage": job.status_message, "progress": job.progress,
            "usersScored": job.users_scored, "rowsWritten": job.rows_written, "partsWritten": job.parts_done,
            "errors": job.errors, "request": job.request}


def _create(record):
    body = batch_request_schema.load(json_body())
    if record.status != ModelStatus.COMPLETED:
        raise ApiError(409, "ModelNotReady", f"model {record.id} is {record.status.value}, not Completed")
    _check_request(record, body)
    stored = batch_request_schema.dump(body)
    if len(json.dumps(stored)) > MAX_STORED_REQUEST_CHARS:
        raise ApiError(400, "BatchRequestTooLarge", f"the job's request must stay under {MAX_STORED_REQUEST_CHARS} "
                       "characters as JSON (it is kept in one table property): list fewer item ids")
    job = JobRecord(id=str(uuid.uuid4()), model_id=record.id, creation_time=datetime.now(timezone.utc),
                    status=JobStatus.QUEUED, status_message="Queued; waiting for a worker", request=stored)
    job = jobs().create_job(job)
    services.queues().send_batch(job.id)
    return job_to_json(job), 202, {"Location": url_for("batch.get_batch", job_id=job.id)}


def _check_request(record, body: dict):
    """:raise 400 OutputInServiceContainer: :raise 400 ContainerNotAllowed: :raise 400 UserRecommendationsDisabled:
    :raise 400 ContainerNotFound: :raise 400 UserListNotFound:"""
    container = body["output_container_name"]
    if container == current_app.config["SETTINGS"].models_container:
        raise ApiError(400, "OutputInServiceContainer", f"container {container!r} holds the service's own models",
                       [field_error("outputContainerName", "OutputInServiceContainer", "choose another container")])
    check_container_allowed(container, "outputContainerName")
    if not record.parameters.get("enableUserToItemRecommendations"):
        raise ApiError(400, "UserRecommendationsDisabled",
                       f"model {record.id} was trained without enableUserToItemRecommendations: it keeps no user "
                       "histories to score", [field_error("modelId", "UserRecommendationsDisabled",
                                                          "train with enableUserToItemRecommendations true")])
    user_list = body["user_list_relative_path"]
    try:
        listed = services.usage_locator()(container, user_list or body["output_relative_path"])
    except ContainerNotFoundError:
        raise ApiError(400, "ContainerNotFound", f"blob container {container!r} does not exist",
                       [field_error("outputContainerName", "ContainerNotFound", "no such container")]) from None
    if user_list and not listed:
        raise ApiError(400, "UserListNotFound", f"nothing at {container}/{user_list}",
                       [field_error("userListRelativePath", "UserListNotFound", "no blob at this path")])


def _job(job_id: str) -> JobRecord:
    try:
        return jobs().get_job(str(uuid.UUID(job_id)))
    except ValueError:
        raise ApiError(400, "InvalidJobId", f"job id {job_id[:64]!r} is not a GUID") from None
    except JobNotFoundError:
        raise ApiError(404, "JobNotFound", f"batch job {job_id} does not exist") from None


def _cancel(job: JobRecord, message: str) -> JobRecord:
    for _ in range(3):
        try:
            return jobs().update_job(job.with_status(JobStatus.CANCELLED, message), if_unchanged=True)
        except ConcurrentUpdateError:  # the worker wrote progress meanwhile: read and try again
            job = jobs().get_job(job.id)
            if job.status in FINAL_JOB_STATUSES:
                return job
    raise ApiError(503, "StorageUnavailable", "the job kept changing; retry")
