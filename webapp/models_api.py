"""Admin routes: create, list, get and delete models; get and set the default model."""
import uuid
from datetime import datetime, timezone

from flask import Blueprint, request, url_for

from common.usage_blobs import ContainerNotFoundError
from registry import ModelNotFoundError, ModelRecord, ModelStatus

from . import services
from .auth import require_role
from .errors import ApiError
from .request_body import json_body
from .schemas import model_parameters_schema, model_to_json, set_default_query_schema

bp = Blueprint("models", __name__, url_prefix="/api/models")


@bp.post("")
@require_role("admin")
def create_model():
    """Validate the parameters, check the usage data exists, register the model and queue its training."""
    parameters = model_parameters_schema.load(json_body())
    _check_usage_exists(parameters["blob_container_name"], parameters["usage_relative_path"])
    description = parameters.pop("description")
    record = ModelRecord(
        id=str(uuid.uuid4()), description=description, creation_time=datetime.now(timezone.utc),
        status=ModelStatus.CREATED, status_message="Model created; waiting for a worker",
        parameters=model_parameters_schema.dump(parameters),
    )
    record = services.registry().create(record)
    try:
        services.queues().send_train(record.id)
    except Exception:
        services.registry().delete(record.id)  # no message means no training: leave no orphan behind
        raise
    return model_to_json(record), 201, {"Location": url_for("models.get_model", model_id=record.id)}


@bp.get("")
@require_role("admin")
def list_models():
    """Summaries of every model, newest first."""
    return [model_to_json(record, summary=True) for record in services.registry().list()]


@bp.get("/<model_id>")
@require_role("admin")
def get_model(model_id):
    """One model with its status, parameters and statistics."""
    return model_to_json(get_record(model_id))


@bp.delete("/<model_id>")
@require_role("admin")
def delete_model(model_id):
    """Remove the model now; a worker deletes its blob and cancels its training."""
    model_id = services.parse_model_id(model_id)
    try:
        services.registry().delete(model_id)
    except ModelNotFoundError:
        raise ApiError(404, "ModelNotFound", f"model {model_id} does not exist") from None
    services.queues().send_delete(model_id)
    services.provider().forget(model_id)
    return "", 202


@bp.get("/default")
@require_role("admin")
def get_default_model():
    """The default model. :raise 404 NoDefaultModel:"""
    return model_to_json(get_default_record())


@bp.put("/default")
@require_role("admin")
def set_default_model():
    """Make a Completed model the default."""
    model_id = str(set_default_query_schema.load(request.args.to_dict())["model_id"])
    record = get_record(model_id)
    if record.status != ModelStatus.COMPLETED:
        raise ApiError(409, "ModelNotReady", f"model {model_id} is {record.status.value}, not Completed")
    services.registry().set_default_id(model_id)
    return model_to_json(record)


def get_record(model_id: str) -> ModelRecord:
    """The model's record. :raise 400 InvalidModelId: :raise 404 ModelNotFound:"""
    model_id = services.parse_model_id(model_id)
    try:
        return services.registry().get(model_id)
    except ModelNotFoundError:
        raise ApiError(404, "ModelNotFound", f"model {model_id} does not exist") from None


def get_default_record() -> ModelRecord:
    """The default model's record. :raise 404 NoDefaultModel:"""
    model_id = services.registry().get_default_id()
    if model_id is None:
        raise ApiError(404, "NoDefaultModel", "no default model is set")
    try:
        return services.registry().get(model_id)
    except ModelNotFoundError:
        raise ApiError(404, "NoDefaultModel", "the default model no longer exists") from None


def _check_usage_exists(container: str, path: str):
    """:raise 400 ContainerNotFound: :raise 400 UsageFileNotFound:"""
    try:
        blobs = services.usage_locator()(container, path)
    except ContainerNotFoundError:
        raise ApiError(400, "ContainerNotFound", f"blob container {container!r} does not exist",
                       [{"field": "blobContainerName", "message": "container not found"}]) from None
    if not blobs:
        raise ApiError(400, "UsageFileNotFound", f"no usage blob at {container}/{path}",
                       [{"field": "usageRelativePath", "message": "no blob or folder with blobs at this path"}])
