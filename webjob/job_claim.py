"""A worker's claim on a batch job record: ETag-conditional writes, as ModelClaim for models.

check() is what the shared Heartbeat calls between writes: it raises ModelNotFoundError when the job's model
was deleted and ConcurrentUpdateError when someone else wrote the job (a cancellation), so the heartbeat
cancels the run either way.
"""
import threading

from registry import ConcurrentUpdateError, JobRecord


class JobClaim:
    """The job record as this worker last wrote it; thread-safe."""

    def __init__(self, jobs, models, record: JobRecord):
        self._jobs, self._models, self._record = jobs, models, record
        self._lock = threading.Lock()

    @property
    def record(self) -> JobRecord:
        return self._record

    def write(self, status, message: str, **counters) -> None:
        """Write a new status and counters. :raise ConcurrentUpdateError: :raise JobNotFoundError:"""
        with self._lock:
            self._record = self._jobs.update_job(self._record.with_status(status, message, **counters),
                                                 if_unchanged=True)

    def check(self) -> None:
        """:raise ModelNotFoundError: the model is gone :raise ConcurrentUpdateError: the job was written"""
        self._models.get(self._record.model_id)
        if self._jobs.get_job(self._record.id).etag != self._record.etag:
            raise ConcurrentUpdateError(f"batch job {self._record.id} was written by someone else")
