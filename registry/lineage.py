"""Retrains: a new model record with its parent's parameters, and which model a schedule retrains next."""
from datetime import datetime
from typing import Optional

from .exceptions import ModelNotFoundError
from .records import ModelRecord, ModelStatus
from .schedules import ScheduleRecord


def retrain_record(parent: ModelRecord, *, model_id: str, now: datetime, parameters: dict,
                   promotion_policy: Optional[dict], description: Optional[str] = None) -> ModelRecord:
    """A Created record for a retrain of `parent` with `parameters` (its own, perhaps with new paths)."""
    return ModelRecord(id=model_id, description=description or parent.description, creation_time=now,
                       status=ModelStatus.CREATED, status_message=f"Retrain of model {parent.id}; waiting for a worker",
                       parameters=parameters, parent_model_id=parent.id, promotion_policy=promotion_policy)


def with_usage_path(parameters: dict, usage_relative_path: Optional[str]) -> dict:
    """The parameters with a new usage path (the same ones when None)."""
    return parameters if usage_relative_path is None else {**parameters, "usageRelativePath": usage_relative_path}


def next_parent(registry, schedule: ScheduleRecord) -> ModelRecord:
    """The newest retrain of the schedule that completed, else the scheduled model.

    :raise ModelNotFoundError: the scheduled model is gone (its schedule ends with it)
    """
    scheduled = registry.get(schedule.model_id)
    for child_id in schedule.children:
        try:
            child = registry.get(child_id)
        except ModelNotFoundError:
            continue  # deleted since: the one before it
        if child.status == ModelStatus.COMPLETED:
            return child
    return scheduled

