"""The JobRegistry on an Azure Table: one row per batch job, beside the model rows (partition "batch").

Job rows are keyed by their random id, so the batch partition comes back in no useful order. Each job also gets a
small index row in its model's own partition ("batch-of-{modelId}") whose RowKey sorts newest first (Azure's "log
tail" pattern): the newest jobs of a model are then the first rows of one partition, read without a scan.
"""
import itertools
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from azure.core import MatchConditions
from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from .exceptions import ConcurrentUpdateError, JobNotFoundError
from .jobs import JobRecord, JobStatus
from .table import storage_errors

JOBS_PARTITION = "batch"
NEWEST_FIRST_CEILING = 10**17
"""Microseconds since 1970 count up to about 1.8e15 today; this ceiling minus them sorts newest first in 17 digits."""
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class TableJobRegistry:
    """JobRegistry on an injected TableClient (the table must exist; it may be the models table)."""

    def __init__(self, table: TableClient):
        self._table = table

    @storage_errors
    def create_job(self, record: JobRecord) -> JobRecord:
        # The index row first: if the job row then fails, the listing skips an index row without its job.
        self._table.upsert_entity({"PartitionKey": _index_partition(record.model_id),
                                   "RowKey": _newest_first_key(record), "JobId": record.id})
        return replace(record, etag=self._table.create_entity(_to_entity(record)).get("etag"))

    @storage_errors
    def get_job(self, job_id: str) -> JobRecord:
        try:
            return _from_entity(self._table.get_entity(JOBS_PARTITION, job_id))
        except ResourceNotFoundError:
            raise JobNotFoundError(f"batch job {job_id} does not exist") from None

    @storage_errors
    def update_job(self, record: JobRecord, *, if_unchanged: bool = False) -> JobRecord:
        condition = {"etag": record.etag, "match_condition": MatchConditions.IfNotModified} if if_unchanged \
            else {"match_condition": MatchConditions.Unconditionally}
        try:
            metadata = self._table.update_entity(_to_entity(record), mode=UpdateMode.REPLACE, **condition)
        except ResourceNotFoundError:
            raise JobNotFoundError(f"batch job {record.id} does not exist") from None
        except ResourceModifiedError:
            self.get_job(record.id)  # gone, or changed: tell the two apart
            raise ConcurrentUpdateError(f"batch job {record.id} changed since it was read") from None
        return replace(record, etag=metadata.get("etag"))

    @storage_errors
    def jobs_of_model(self, model_id: str) -> list:
        entities = self._table.query_entities("PartitionKey eq @partition and ModelId eq @model",
                                              parameters={"partition": JOBS_PARTITION, "model": model_id})
        return [_from_entity(entity) for entity in entities]

    @storage_errors
    def newest_jobs_of_model(self, model_id: str, limit: int) -> list:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        index = self._table.query_entities("PartitionKey eq @partition", parameters={
            "partition": _index_partition(model_id)}, select=["JobId"], results_per_page=limit)
        jobs = []
        for entity in itertools.islice(index, limit):
            try:
                jobs.append(self.get_job(entity["JobId"]))
            except JobNotFoundError:  # its job row was never written (see create_job)
                continue
        return jobs


def _index_partition(model_id: str) -> str:
    return f"{JOBS_PARTITION}-of-{model_id}"


def _newest_first_key(record: JobRecord) -> str:
    microseconds = (record.creation_time - _EPOCH) // timedelta(microseconds=1)
    return f"{NEWEST_FIRST_CEILING - microseconds:017d}-{record.id}"


_COUNTERS = (("Progress", "progress", float), ("UsersScored", "users_scored", int),
             ("RowsWritten", "rows_written", int), ("PartsDone", "parts_done", int))


def _to_entity(record: JobRecord) -> dict:
    entity = {"PartitionKey": JOBS_PARTITION, "RowKey": record.id, "ModelId": record.model_id,
              "CreationTime": record.creation_time.isoformat(), "Status": record.status.value,
              "StatusMessage": record.status_message, "Request": json.dumps(record.request),
              "Errors": json.dumps(record.errors) if record.errors is not None else ""}
    entity.update({column: kind(getattr(record, name)) for column, name, kind in _COUNTERS})
    return entity


def _from_entity(entity) -> JobRecord:
    counters = {name: kind(entity.get(column, 0)) for column, name, kind in _COUNTERS}
    return JobRecord(id=entity["RowKey"], model_id=entity["ModelId"],
                     creation_time=datetime.fromisoformat(entity["CreationTime"]), status=JobStatus(entity["Status"]),
                     status_message=entity.get("StatusMessage", ""), request=json.loads(entity["Request"]),
                     errors=json.loads(entity["Errors"]) if entity.get("Errors") else None,
                     etag=entity.metadata.get("etag"), **counters)
