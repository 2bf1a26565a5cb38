"""Admin routes: create, list, get and delete models; get and set the default model."""
import logging
import uuid
from datetime import datetime, timezone

from flask import Blueprint, request, url_for

from registry import InvalidContinuationTokenError, ModelNotFoundError, ModelRecord, ModelStatus
from storage.exceptions import ContainerNotFoundError
from storage.retries import describe_error, is_transient

from . import batch_api, services
from .auth import require_role
from .containers import check_container_allowed
from .errors import ApiError, field_error
from .lineage_schemas import model_creation_schema
from .model_json import model_summary_to_json, model_to_json
from .request_body import json_body
from .request_schemas import (
    MAX_PAGE_SIZE,
    model_list_query_schema,
    model_parameters_schema,
    no_query_schema,
    set_default_query_schema,
)

logger = logging.getLogger(__name__)

bp = Blueprint("models", __name__, url_prefix="/api/models")

CONTINUATION_HEADER = "X-Continuation-Token"
MAX_UNPAGED_MODELS = 10_000
"""Most summaries a listing without paging parameters returns (about 2 MB of JSON); past it, the
X-Continuation-Token header continues the list. One registry read either way: the Table adapter reads every
summary row for any page (rows come in id order, not by time), so paging through it would read them all per page."""


@bp.post("")
@require_role("admin")
def create_model():
    """Validate the parameters, check the usage data exists, register the model and queue its training."""
    parameters = model_creation_schema.load(json_body())
    policy = parameters.pop("promotion_policy")
    check_policy(policy, parameters)
    check_data_exists(parameters)
    description = parameters.pop("description")
    record = ModelRecord(
        id=str(uuid.uuid4()), description=description, creation_time=datetime.now(timezone.utc),
        status=ModelStatus.CREATED, status_message="Model created; waiting for a worker",
        parameters=model_parameters_schema.dump(parameters), promotion_policy=policy,
    )
    record = register_and_queue(record)
    return model_to_json(record), 201, {"Location": url_for("models.get_model", model_id=record.id)}


def register_and_queue(record: ModelRecord) -> ModelRecord:
    """Create the record and queue its training; no record stays behind when the message cannot be sent."""
    record = services.registry().create(record)
    try:
        services.queues().send_train(record.id)
    except Exception:
        # No message means no training: the record goes (a worker's sweeper purges it, or re-sends the
        # message of a Created model if this delete fails too).
        services.registry().delete(record.id)
        raise
    return record


@bp.get("")
@require_role("admin")
def list_models():
    """Summaries newest first: every model (the original's clients page nothing), or a page when the client asks
    for one (pageSize or continuationToken); the X-Continuation-Token header asks for the next page."""
    query = model_list_query_schema.load(request.args.to_dict())
    page_size = query["page_size"]
    if page_size is None:
        page_size = MAX_PAGE_SIZE if query["continuation_token"] else MAX_UNPAGED_MODELS
    try:
        page = services.registry().list_page(page_size, query["continuation_token"])
    except InvalidContinuationTokenError:
        raise ApiError(400, "InvalidRequest", "the continuation token was not handed out by this service",
                       [field_error("continuationToken", "InvalidContinuationToken", "not a token of this listing")]) \
            from None
    headers = {CONTINUATION_HEADER: page.continuation_token} if page.continuation_token else {}
    return [model_summary_to_json(summary) for summary in page.summaries], 200, headers


@bp.get("/<model_id:model_id>")
@require_role("admin")
def get_model(model_id):
    """One model with its status, parameters and statistics."""
    no_query_schema.load(request.args.to_dict())
    return model_to_json(get_record(model_id))


@bp.delete("/<model_id:model_id>")
@require_role("admin")
def delete_model(model_id):
    """Hide the model now (Deleting); a worker deletes its blobs, cancels its training, then its record."""
    no_query_schema.load(request.args.to_dict())
    model_id = services.parse_model_id(model_id)
    try:
        services.registry().delete(model_id)
    except ModelNotFoundError:
        raise ApiError(404, "ModelNotFound", f"model {model_id} does not exist") from None
    services.records().forget(model_id)
    services.provider().forget(model_id)
    try:
        services.queues().send_delete(model_id)
    except Exception as error:
        if not is_transient(error):
            raise
        # The deletion is recorded: a worker's sweeper re-sends the message of a model left Deleting.
        logger.warning("model %s: delete message not sent (%s); the sweeper sends it later", model_id,
                       describe_error(error))
    try:  # after the message: a failure here must not keep the model's data from being deleted
        batch_api.cancel_jobs_of_model(model_id)
    except Exception as error:  # noqa: BLE001 - best effort: a job of a deleted model fails when it loads it
        logger.warning("model %s: its batch jobs were not all cancelled (%s)", model_id, describe_error(error))
    return "", 202


@bp.get("/default")
@require_role("admin")
def get_default_model():
    """The default model. :raise 404 NoDefaultModel:"""
    no_query_schema.load(request.args.to_dict())
    return model_to_json(get_default_record())


@bp.put("/default")
@require_role("admin")
def set_default_model():
    """Make a Completed model the default."""
    model_id = set_default_query_schema.load(request.args.to_dict())["model_id"]
    record = get_record(model_id)
    if record.status != ModelStatus.COMPLETED:
        raise ApiError(409, "ModelNotReady", f"model {model_id} is {record.status.value}, not Completed")
    try:
        services.registry().set_default_id(model_id)  # ends cleared if a delete of the model races it
    except ModelNotFoundError:
        raise ApiError(404, "ModelNotFound", f"model {model_id} does not exist") from None
    services.records().forget_default()  # this process serves the new default at once
    return model_to_json(record)


def get_record(model_id: str, source=None) -> ModelRecord:
    """The model's record from `source` (the registry unless given). :raise 400 InvalidModelId: :raise 404 ModelNotFound:"""
    model_id = services.parse_model_id(model_id)
    try:
        return (source or services.registry()).get(model_id)
    except ModelNotFoundError:
        services.provider().forget(model_id)  # deleted through another process: free its memory here too
        raise ApiError(404, "ModelNotFound", f"model {model_id} does not exist") from None


def get_default_record(source=None) -> ModelRecord:
    """The default model's record from `source` (the registry unless given). :raise 404 NoDefaultModel:"""
    source = source or services.registry()
    model_id = source.get_default_id()
    if model_id is None:
        raise ApiError(404, "NoDefaultModel", "no default model is set")
    try:
        return source.get(model_id)
    except ModelNotFoundError:
        services.provider().forget(model_id)
        raise ApiError(404, "NoDefaultModel", "the default model no longer exists") from None


def check_policy(policy, parameters: dict) -> None:
    """:raise 400 EvaluationRequired: a promotion policy needs the model's evaluation metrics"""
    if policy is not None and not parameters["evaluation_usage_relative_path"]:
        raise ApiError(400, "EvaluationRequired", "a promotion policy compares evaluation metrics: the model "
                       "needs evaluationUsageRelativePath", [field_error("promotionPolicy", "EvaluationRequired",
                                                                         "needs evaluationUsageRelativePath")])


# The paths a model reads, and the error code when nothing is there: an operator learns it now, not after training.
_DATA_PATHS = (("usage_relative_path", "usageRelativePath", "UsageFileNotFound"),
               ("catalog_file_relative_path", "catalogFileRelativePath", "CatalogFileNotFound"),
               ("evaluation_usage_relative_path", "evaluationUsageRelativePath", "UsageFileNotFound"))


def check_data_exists(parameters: dict):
    """:raise 400 ContainerNotAllowed: :raise 400 ContainerNotFound: :raise 400 UsageFileNotFound:
    :raise 400 CatalogFileNotFound:"""
    container = parameters["blob_container_name"]
    check_container_allowed(container, "blobContainerName")
    for name, field, code in _DATA_PATHS:
        path = parameters[name]
        if path is None:
            continue
        try:
            blobs = services.usage_locator()(container, path)
        except ContainerNotFoundError:
            raise ApiError(400, "ContainerNotFound", f"blob container {container!r} does not exist",
                           [field_error("blobContainerName", "ContainerNotFound", "no such container")]) from None
        if not blobs:
            raise ApiError(400, code, f"nothing at {container}/{path}",
                           [field_error(field, code, "no blob, nor a folder with blobs, at this path")])
