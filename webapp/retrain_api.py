"""Admin routes of retraining: retrain a model now (POST .../retrain), or on a schedule (PUT/GET/DELETE
.../schedule). A retrain is a new model with its parent's parameters, its parent recorded."""
import uuid
from datetime import datetime, timezone

from flask import Blueprint, request, url_for

from registry import ScheduleNotFoundError, ScheduleRecord
from registry.lineage import retrain_record

from . import services
from .auth import require_role
from .errors import ApiError, field_error
from .lineage_schemas import retrain_request_schema, schedule_request_schema
from .model_json import model_to_json
from .models_api import check_data_exists, get_record, register_and_queue
from .request_body import json_body
from .request_schemas import model_parameters_schema, no_query_schema

bp = Blueprint("retrain", __name__, url_prefix="/api/models")

PATHS = ("usageRelativePath", "catalogFileRelativePath", "evaluationUsageRelativePath")


@bp.post("/<model_id:model_id>/retrain")
@require_role("admin")
def retrain_model(model_id):
    """A new model with the parameters of this one (and the paths the body gives), queued for training."""
    no_query_schema.load(request.args.to_dict())
    parent = get_record(model_id)
    body = retrain_request_schema.dump(retrain_request_schema.load(json_body(default={})))
    parameters = _merged_parameters(parent.parameters, body)
    policy = body["promotionPolicy"]
    _check_policy(policy, parameters)
    check_data_exists(parameters)
    parameters.pop("description")
    record = retrain_record(parent, model_id=str(uuid.uuid4()), now=datetime.now(timezone.utc),
                            parameters=model_parameters_schema.dump(parameters), promotion_policy=policy,
                            description=body["description"])
    record = register_and_queue(record)
    return model_to_json(record), 201, {"Location": url_for("models.get_model", model_id=record.id)}


@bp.put("/<model_id:model_id>/schedule")
@require_role("admin")
def put_schedule(model_id):
    """Retrain this model whenever the cron expression ticks (UTC), from its usage path or the one given."""
    no_query_schema.load(request.args.to_dict())
    model = get_record(model_id)
    body = schedule_request_schema.dump(schedule_request_schema.load(json_body()))
    parameters = _merged_parameters(model.parameters, body)
    _check_policy(body["promotionPolicy"], parameters)
    check_data_exists(parameters)
    schedule = ScheduleRecord(model_id=model.id, cron=body["cron"], last_tick=datetime.now(timezone.utc),
                              usage_relative_path=body["usageRelativePath"], promotion_policy=body["promotionPolicy"])
    return _schedule_to_json(services.schedules().put(schedule))


@bp.get("/<model_id:model_id>/schedule")
@require_role("admin")
def get_schedule(model_id):
    """The model's schedule. :raise 404 ScheduleNotFound:"""
    no_query_schema.load(request.args.to_dict())
    return _schedule_to_json(_schedule(get_record(model_id).id))


@bp.delete("/<model_id:model_id>/schedule")
@require_role("admin")
def delete_schedule(model_id):
    """Stop retraining the model on a schedule (retrains already made stay)."""
    no_query_schema.load(request.args.to_dict())
    model_id = get_record(model_id).id
    try:
        services.schedules().delete(model_id)
    except ScheduleNotFoundError:
        raise ApiError(404, "ScheduleNotFound", f"model {model_id} has no schedule") from None
    return "", 204


def _merged_parameters(parameters: dict, body: dict) -> dict:
    """The parent's parameters with the body's paths, loaded (validated) as a creation request would be."""
    paths = {name: body[name] for name in PATHS if body.get(name) is not None}
    return model_parameters_schema.load({**parameters, **paths})


def _check_policy(policy, parameters: dict) -> None:
    """:raise 400 EvaluationRequired: a promotion policy needs the model's evaluation metrics"""
    if policy is not None and not parameters["evaluation_usage_relative_path"]:
        raise ApiError(400, "EvaluationRequired", "a promotion policy compares evaluation metrics: the model "
                       "needs evaluationUsageRelativePath", [field_error("promotionPolicy", "EvaluationRequired",
                                                                         "needs evaluationUsageRelativePath")])


def _schedule(model_id: str) -> ScheduleRecord:
    try:
        return services.schedules().get(model_id)
    except ScheduleNotFoundError:
        raise ApiError(404, "ScheduleNotFound", f"model {model_id} has no schedule") from None


def _schedule_to_json(schedule: ScheduleRecord) -> dict:
    return {"modelId": schedule.model_id, "cron": schedule.cron, "usageRelativePath": schedule.usage_relative_path,
            "promotionPolicy": schedule.promotion_policy,
            "lastTick": schedule.last_tick.isoformat().replace("+00:00", "Z"), "retrains": list(schedule.children)}
