"""An in-memory JobRegistry for unit tests: same contract as the Table adapter."""
import itertools
import threading
from dataclasses import replace

from .exceptions import ConcurrentUpdateError, JobNotFoundError
from .jobs import JobRecord


class InMemoryJobRegistry:
    """Thread-safe job records in a dict; etags are a counter."""

    def __init__(self):
        self._records = {}
        self._lock = threading.Lock()
        self._etags = itertools.count(1)

    def create_job(self, record: JobRecord) -> JobRecord:
        with self._lock:
            if record.id in self._records:
                raise ValueError(f"job {record.id} already exists")
            return self._store(record)

    def get_job(self, job_id: str) -> JobRecord:
        with self._lock:
            return self._get(job_id)

    def update_job(self, record: JobRecord, *, if_unchanged: bool = False) -> JobRecord:
        with self._lock:
            current = self._get(record.id)
            if if_unchanged and current.etag != record.etag:
                raise ConcurrentUpdateError(f"job {record.id} changed since it was read")
            return self._store(record)

    def jobs_of_model(self, model_id: str) -> list:
        with self._lock:
            return [record for record in self._records.values() if record.model_id == model_id]

    def newest_jobs_of_model(self, model_id: str, limit: int) -> list:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        newest = sorted(self.jobs_of_model(model_id), key=lambda record: record.creation_time, reverse=True)
        return newest[:limit]

    def _store(self, record: JobRecord) -> JobRecord:
        stored = replace(record, etag=str(next(self._etags)))
        self._records[record.id] = stored
        return stored

    def _get(self, job_id: str) -> JobRecord:
        try:
            return self._records[job_id]
        except KeyError:
            raise JobNotFoundError(f"batch job {job_id} does not exist") from None
