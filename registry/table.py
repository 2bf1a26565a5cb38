"""The ModelRegistry on an Azure Table: one row per model, one row naming the default model."""
import functools
import json
from dataclasses import replace
from datetime import datetime
from typing import Optional

from azure.core import MatchConditions
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.data.tables import TableClient, UpdateMode

from .exceptions import ConcurrentUpdateError, ModelNotFoundError, StorageUnavailableError
from .paging import newest_first_page
from .records import ModelPage, ModelRecord, ModelStatus, ModelSummary

MODELS_PARTITION = "model"
DEFAULT_PARTITION, DEFAULT_ROW = "default", "default"
DEFAULT_KEY = {"PartitionKey": DEFAULT_PARTITION, "RowKey": DEFAULT_ROW}
SUMMARY_COLUMNS = ["RowKey", "Description", "CreationTime", "Status"]
LISTED_ROWS = f"PartitionKey eq '{MODELS_PARTITION}' and Status ne '{ModelStatus.DELETING.value}'"
DELETE_ATTEMPTS = 5
"""Reads and conditional writes tried before a delete gives up on a record that keeps changing (a training
writes its progress every few seconds)."""
DELETING_MESSAGE = "Deleting: a worker removes its blobs"


def storage_errors(method):
    """Turn the SDK's transport and server errors into StorageUnavailableError at the boundary."""
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except (ServiceRequestError, ServiceResponseError) as error:
            raise StorageUnavailableError(f"table storage unreachable: {error}") from error
        except HttpResponseError as error:
            if error.status_code is not None and error.status_code >= 500:
                raise StorageUnavailableError(f"table storage failed: {error.status_code}") from error
            raise
    return wrapper


class TableModelRegistry:
    """ModelRegistry on an injected TableClient (the table must exist)."""

    def __init__(self, table: TableClient):
        self._table = table

    @storage_errors
    def create(self, record: ModelRecord) -> ModelRecord:
        metadata = self._table.create_entity(_to_entity(record))
        return _with_etag(record, metadata)

    @storage_errors
    def get(self, model_id: str) -> ModelRecord:
        record = self._get_any(model_id)
        if record is None or record.status == ModelStatus.DELETING:
            raise ModelNotFoundError(f"model {model_id} does not exist")
        return record

    @storage_errors
    def list_page(self, page_size: int, continuation_token: Optional[str] = None) -> ModelPage:
        # A table returns rows in RowKey (model id) order, never by time: read the summary columns of
        # every model and page them here. A model is a training run, so a table holds few of them.
        entities = self._table.query_entities(LISTED_ROWS, select=SUMMARY_COLUMNS)
        return newest_first_page(map(_summary_from_entity, entities), page_size, continuation_token)

    @storage_errors
    def update(self, record: ModelRecord, *, if_unchanged: bool = False) -> ModelRecord:
        if if_unchanged:
            return self._replace(record, record.etag)
        for _ in range(DELETE_ATTEMPTS):
            try:  # on the etag of a record read now: a delete in between still wins
                return self._replace(record, self.get(record.id).etag)
            except ConcurrentUpdateError:
                continue
        raise ConcurrentUpdateError(f"model {record.id} kept changing while it was being updated")

    def _replace(self, record: ModelRecord, etag: str) -> ModelRecord:
        try:
            metadata = self._table.update_entity(_to_entity(record), mode=UpdateMode.REPLACE, etag=etag,
                                                 match_condition=MatchConditions.IfNotModified)
        except ResourceNotFoundError:
            raise ModelNotFoundError(f"model {record.id} does not exist") from None
        except ResourceModifiedError:
            # The row changed, vanished or is being deleted since it was read: tell these apart for the caller.
            self.get(record.id)
            raise ConcurrentUpdateError(f"model {record.id} changed since it was read") from None
        return _with_etag(record, metadata)

    @storage_errors
    def delete(self, model_id: str) -> None:
        for _ in range(DELETE_ATTEMPTS):
            record = self.get(model_id)
            try:
                self.update(record.with_status(ModelStatus.DELETING, DELETING_MESSAGE), if_unchanged=True)
                break
            except ConcurrentUpdateError:
                continue
        else:
            raise ConcurrentUpdateError(f"model {model_id} kept changing while it was being deleted")
        # Marked first, default read after: a set_default_id that wrote before this read is cleared here, and
        # one that writes after it finds the model Deleting when it checks (set_default_id writes, then reads).
        default = self._default_entity()
        if default is not None and default.get("ModelId") == model_id:
            self._delete_default_if_unchanged(default.metadata["etag"])

    @storage_errors
    def purge(self, model_id: str) -> bool:
        record = self._get_any(model_id)
        if record is None or record.status != ModelStatus.DELETING:
            return False
        try:
            self._table.delete_entity(MODELS_PARTITION, model_id, etag=record.etag,
                                      match_condition=MatchConditions.IfNotModified)
        except (ResourceNotFoundError, ResourceModifiedError):
            return False
        return True

    @storage_errors
    def all_records(self) -> list:
        return [_from_entity(entity) for entity in self._table.query_entities(f"PartitionKey eq '{MODELS_PARTITION}'")]

    @storage_errors
    def get_default_id(self) -> Optional[str]:
        default = self._default_entity()
        return None if default is None else default.get("ModelId")

    @storage_errors
    def set_default_id(self, model_id: str) -> None:
        metadata = self._table.upsert_entity({**DEFAULT_KEY, "ModelId": model_id}, mode=UpdateMode.REPLACE)
        self._check_default(model_id, metadata["etag"])

    @storage_errors
    def set_default_if_none(self, model_id: str) -> bool:
        for _ in range(DELETE_ATTEMPTS):
            default = self._default_entity()
            try:
                if default is None:
                    metadata = self._table.create_entity({**DEFAULT_KEY, "ModelId": model_id})
                elif self._exists(default.get("ModelId")):
                    return False
                else:  # the default's model is gone: the next completed model takes its place
                    metadata = self._table.update_entity({**DEFAULT_KEY, "ModelId": model_id}, mode=UpdateMode.REPLACE,
                                                         etag=default.metadata["etag"],
                                                         match_condition=MatchConditions.IfNotModified)
            except (ResourceExistsError, ResourceModifiedError, ResourceNotFoundError):
                continue  # someone else wrote the default meanwhile: look again
            try:
                self._check_default(model_id, metadata["etag"])
            except ModelNotFoundError:
                return False
            return True
        return False

    def _check_default(self, model_id: str, etag: str) -> None:
        """Written first, checked after (see delete): clear our write if the model is gone or going."""
        if not self._exists(model_id):
            self._delete_default_if_unchanged(etag)
            raise ModelNotFoundError(f"model {model_id} does not exist")

    def _exists(self, model_id: Optional[str]) -> bool:
        record = self._get_any(model_id) if model_id else None
        return record is not None and record.status != ModelStatus.DELETING

    def _delete_default_if_unchanged(self, etag: str) -> None:
        try:
            self._table.delete_entity(DEFAULT_PARTITION, DEFAULT_ROW, etag=etag,
                                      match_condition=MatchConditions.IfNotModified)
        except ResourceModifiedError:
            pass  # someone set another default meanwhile: theirs stands

    def _default_entity(self):
        try:
            return self._table.get_entity(DEFAULT_PARTITION, DEFAULT_ROW)
        except ResourceNotFoundError:
            return None

    def _get_any(self, model_id: str) -> Optional[ModelRecord]:
        try:
            return _from_entity(self._table.get_entity(MODELS_PARTITION, model_id))
        except ResourceNotFoundError:
            return None


def _to_entity(record: ModelRecord) -> dict:
    return {
        "PartitionKey": MODELS_PARTITION,
        "RowKey": record.id,
        "Description": record.description or "",
        "CreationTime": record.creation_time.isoformat(),
        "Status": record.status.value,
        "StatusMessage": record.status_message,
        "Parameters": json.dumps(record.parameters),
        "Statistics": json.dumps(record.statistics) if record.statistics is not None else "",
        "ParentModelId": record.parent_model_id or "",
        "PromotionPolicy": json.dumps(record.promotion_policy) if record.promotion_policy is not None else "",
    }


def _from_entity(entity) -> ModelRecord:
    statistics, policy = entity.get("Statistics") or "", entity.get("PromotionPolicy") or ""
    return ModelRecord(
        id=entity["RowKey"],
        description=entity.get("Description") or None,
        creation_time=datetime.fromisoformat(entity["CreationTime"]),
        status=ModelStatus(entity["Status"]),
        status_message=entity.get("StatusMessage", ""),
        parameters=json.loads(entity["Parameters"]),
        statistics=json.loads(statistics) if statistics else None,
        etag=entity.metadata.get("etag"),
        updated_time=entity.metadata.get("timestamp"),
        parent_model_id=entity.get("ParentModelId") or None,
        promotion_policy=json.loads(policy) if policy else None,
    )


def _summary_from_entity(entity) -> ModelSummary:
    return ModelSummary(id=entity["RowKey"], description=entity.get("Description") or None,
                        creation_time=datetime.fromisoformat(entity["CreationTime"]), status=ModelStatus(entity["Status"]))


def _with_etag(record: ModelRecord, metadata) -> ModelRecord:
    return replace(record, etag=metadata.get("etag"))
