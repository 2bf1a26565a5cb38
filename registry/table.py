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
        try:
            entity = self._table.get_entity(MODELS_PARTITION, model_id)
        except ResourceNotFoundError:
            raise ModelNotFoundError(f"model {model_id} does not exist") from None
        return _from_entity(entity)

    @storage_errors
    def list_page(self, page_size: int, continuation_token: Optional[str] = None) -> ModelPage:
        # A table returns rows in RowKey (model id) order, never by time: read the summary columns of
        # every model and page them here. A model is a training run, so a table holds few of them.
        entities = self._table.query_entities(f"PartitionKey eq '{MODELS_PARTITION}'", select=SUMMARY_COLUMNS)
        return newest_first_page(map(_summary_from_entity, entities), page_size, continuation_token)

    @storage_errors
    def update(self, record: ModelRecord, *, if_unchanged: bool = False) -> ModelRecord:
        condition = {"etag": record.etag, "match_condition": MatchConditions.IfNotModified} if if_unchanged \
            else {"match_condition": MatchConditions.Unconditionally}
        try:
            metadata = self._table.update_entity(_to_entity(record), mode=UpdateMode.REPLACE, **condition)
        except ResourceNotFoundError:
            raise ModelNotFoundError(f"model {record.id} does not exist") from None
        except ResourceModifiedError:
            # The row changed or vanished since it was read: tell the two apart for the caller.
            self.get(record.id)
            raise ConcurrentUpdateError(f"model {record.id} changed since it was read") from None
        return _with_etag(record, metadata)

    @storage_errors
    def delete(self, model_id: str) -> None:
        self.get(model_id)
        self._table.delete_entity(MODELS_PARTITION, model_id)
        try:
            default = self._table.get_entity(DEFAULT_PARTITION, DEFAULT_ROW)
        except ResourceNotFoundError:
            return
        if default.get("ModelId") == model_id:
            try:
                self._table.delete_entity(entity=default, etag=default.metadata["etag"],
                                          match_condition=MatchConditions.IfNotModified)
            except ResourceModifiedError:
                pass  # someone set another default meanwhile: theirs stands

    @storage_errors
    def get_default_id(self) -> Optional[str]:
        try:
            return self._table.get_entity(DEFAULT_PARTITION, DEFAULT_ROW).get("ModelId")
        except ResourceNotFoundError:
            return None

    @storage_errors
    def set_default_id(self, model_id: str) -> None:
        self._table.upsert_entity({**DEFAULT_KEY, "ModelId": model_id}, mode=UpdateMode.REPLACE)

    @storage_errors
    def set_default_if_none(self, model_id: str) -> bool:
        try:
            self._table.create_entity({**DEFAULT_KEY, "ModelId": model_id})
            return True
        except ResourceExistsError:
            return False


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
    }


def _from_entity(entity) -> ModelRecord:
    statistics = entity.get("Statistics") or ""
    return ModelRecord(
        id=entity["RowKey"],
        description=entity.get("Description") or None,
        creation_time=datetime.fromisoformat(entity["CreationTime"]),
        status=ModelStatus(entity["Status"]),
        status_message=entity.get("StatusMessage", ""),
        parameters=json.loads(entity["Parameters"]),
        statistics=json.loads(statistics) if statistics else None,
        etag=entity.metadata.get("etag"),
    )


def _summary_from_entity(entity) -> ModelSummary:
    return ModelSummary(id=entity["RowKey"], description=entity.get("Description") or None,
                        creation_time=datetime.fromisoformat(entity["CreationTime"]), status=ModelStatus(entity["Status"]))


def _with_etag(record: ModelRecord, metadata) -> ModelRecord:
    return replace(record, etag=metadata.get("etag"))
