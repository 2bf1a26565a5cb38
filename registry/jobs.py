"""Batch scoring job records (issue 23): what a job asks for, where it is, and what it has written so far."""
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import Optional, Protocol


class JobStatus(str, Enum):
    """Lifecycle of a batch job: Queued -> Running -> Completed | Failed | Cancelled."""

    QUEUED = "Queued"
    RUNNING = "Running"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELLED = "Cancelled"


FINAL_JOB_STATUSES = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)


@dataclass(frozen=True)
class JobRecord:
    """One batch job. `request` is the JSON-ready body it was created with (camelCase), `errors` the user-list
    report; `parts_done` counts the output parts written, so that a job taken over by another worker goes on
    from there."""

    id: str
    model_id: str
    creation_time: datetime
    status: JobStatus
    status_message: str
    request: dict
    progress: float = 0.0
    users_scored: int = 0
    rows_written: int = 0
    parts_done: int = 0
    errors: Optional[dict] = None
    etag: Optional[str] = None

    def with_status(self, status: JobStatus, message: str, **counters) -> "JobRecord":
        """A copy in a new status, with any of the counters (progress, users_scored, ...) replaced."""
        return replace(self, status=status, status_message=message, **counters)


class JobRegistry(Protocol):
    """Stores batch job records."""

    def create_job(self, record: JobRecord) -> JobRecord:
        """Insert a new job; returns it with its etag."""

    def get_job(self, job_id: str) -> JobRecord:
        """The record of a job. :raise JobNotFoundError:"""

    def update_job(self, record: JobRecord, *, if_unchanged: bool = False) -> JobRecord:
        """Replace a job record; with if_unchanged only if its etag still matches.

        :raise JobNotFoundError: :raise ConcurrentUpdateError:
        """

    def jobs_of_model(self, model_id: str) -> list:
        """Every job of one model (any status), in no particular order."""

    def newest_jobs_of_model(self, model_id: str, limit: int) -> list:
        """At most `limit` jobs of one model, newest first (by creation time), read without a scan.

        :raise ValueError: limit below 1
        """

