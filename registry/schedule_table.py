"""Retrain schedules on the models' Azure Table: partition "schedule", one row per scheduled model."""
import json
from dataclasses import replace
from datetime import datetime

from azure.core import MatchConditions
from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from .exceptions import ConcurrentUpdateError
from .schedules import ScheduleNotFoundError, ScheduleRecord
from .table import storage_errors

SCHEDULES_PARTITION = "schedule"


class TableScheduleStore:
    """The schedule store on an injected TableClient (the models table)."""

    def __init__(self, table: TableClient):
        self._table = table

    @storage_errors
    def put(self, schedule: ScheduleRecord) -> ScheduleRecord:
        metadata = self._table.upsert_entity(_to_entity(schedule), mode=UpdateMode.REPLACE)
        return replace(schedule, etag=metadata.get("etag"))

    @storage_errors
    def get(self, model_id: str) -> ScheduleRecord:
        try:
            return _from_entity(self._table.get_entity(SCHEDULES_PARTITION, model_id))
        except ResourceNotFoundError:
            raise ScheduleNotFoundError(f"model {model_id} has no schedule") from None

    @storage_errors
    def list_all(self) -> list:
        return [_from_entity(entity) for entity in self._table.query_entities(f"PartitionKey eq '{SCHEDULES_PARTITION}'")]

    @storage_errors
    def update(self, schedule: ScheduleRecord) -> ScheduleRecord:
        try:
            metadata = self._table.update_entity(_to_entity(schedule), mode=UpdateMode.REPLACE, etag=schedule.etag,
                                                 match_condition=MatchConditions.IfNotModified)
        except ResourceNotFoundError:
            raise ScheduleNotFoundError(f"model {schedule.model_id} has no schedule") from None
        except ResourceModifiedError:
            self.get(schedule.model_id)  # gone, or changed: tell the two apart
            raise ConcurrentUpdateError(f"the schedule of model {schedule.model_id} changed since it was read") \
                from None
        return replace(schedule, etag=metadata.get("etag"))

    @storage_errors
    def delete(self, model_id: str) -> None:
        self.get(model_id)
        self._table.delete_entity(SCHEDULES_PARTITION, model_id)


def _to_entity(schedule: ScheduleRecord) -> dict:
    return {"PartitionKey": SCHEDULES_PARTITION, "RowKey": schedule.model_id, "Cron": schedule.cron,
            "LastTick": schedule.last_tick.isoformat(), "UsageRelativePath": schedule.usage_relative_path or "",
            "PromotionPolicy": json.dumps(schedule.promotion_policy) if schedule.promotion_policy else "",
            "Children": json.dumps(list(schedule.children))}


def _from_entity(entity) -> ScheduleRecord:
    policy = entity.get("PromotionPolicy") or ""
    return ScheduleRecord(model_id=entity["RowKey"], cron=entity["Cron"],
                          last_tick=datetime.fromisoformat(entity["LastTick"]),
                          usage_relative_path=entity.get("UsageRelativePath") or None,
                          promotion_policy=json.loads(policy) if policy else None,
                          children=tuple(json.loads(entity.get("Children") or "[]")), etag=entity.metadata.get("etag"))
