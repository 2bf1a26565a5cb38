"""One batch message: claim the job, score its users a part at a time under a heartbeat (here, or on a Dask
cluster), write each part blob in part order, and record progress after each, so that a job whose worker died
goes on from its last part elsewhere."""
import contextlib
import logging

import numpy as np
from azure.core.exceptions import ResourceNotFoundError

from recommender import ModelFormatError, ModelIdentityError, from_bytes
from recommender.exceptions import CategoriesUnavailableError, TooManyParsingErrorsError
from recommender.user_list import parse_user_list
from registry import FINAL_JOB_STATUSES, ConcurrentUpdateError, JobNotFoundError, JobStatus, ModelNotFoundError
from storage.retries import describe_error

from .batch_format import EXTENSIONS
from .batch_parts import PartsJob
from .cancellation import Cancellation, CancelReason
from .delivery import Delivery
from .engines import part_scorer_for
from .exceptions import BatchScoringError, TrainingCancelledError
from .heartbeat import Heartbeat
from .job_claim import JobClaim
from .lease import TrainingLease
from .train_job import FINISH, LEAVE, RELEASE, Action, Outcome

logger = logging.getLogger(__name__)

PART_NAME = "{path}/part-{index:05d}.{extension}"
MAX_USER_LIST_BYTES = 256 * 2**20
"""Largest user list a job reads (it is read whole): about 10M user ids of 25 characters."""


class NoProgress:
    """The heartbeat's progress source: a batch job writes its own progress after each part."""

    @staticmethod
    def take():
        return None


class BatchJob:
    """Handles batch messages for one worker; `scorer` scores the parts (default: the settings', see
    engines.part_scorer_for)."""

    def __init__(self, settings, jobs, models, store, blobs, models_container, scorer=None):
        self._settings, self._jobs, self._models, self._store = settings, jobs, models, store
        self._blobs, self._container = blobs, models_container
        self._scorer = scorer or part_scorer_for(settings, blobs)
        self._heartbeat_interval = min(settings.heartbeat_seconds, settings.message_visibility_seconds / 3)

    def run(self, delivery: Delivery, job_id: str, cancellation: Cancellation) -> Outcome:
        """Run the job unless it is gone or over; a duplicate message finds the lease held and is dropped."""
        try:
            record = self._jobs.get_job(job_id)
        except JobNotFoundError:
            return FINISH
        if record.status in FINAL_JOB_STATUSES:
            return FINISH
        lease = TrainingLease(self._container, f"batches/{job_id}", delivery.id)
        if not lease.acquire():
            return FINISH
        try:
            claim = JobClaim(self._jobs, self._models, self._jobs.update_job(
                record.with_status(JobStatus.RUNNING, f"Running (delivery {delivery.dequeue_count})"),
                if_unchanged=True))
            return self._run(delivery, lease, claim, cancellation)
        except ConcurrentUpdateError:
            return LEAVE  # cancelled, or claimed by another worker, meanwhile
        finally:
            lease.release()

    def give_up(self, job_id: str) -> Outcome:
        """Delivered too often: fail the job, poison the message."""
        try:
            record = self._jobs.get_job(job_id)
            if record.status not in FINAL_JOB_STATUSES:
                self._jobs.update_job(record.with_status(
                    JobStatus.FAILED, f"Failed: gave up after {self._settings.max_dequeue_count} deliveries; last "
                                      f"status: {record.status_message}"))
        except JobNotFoundError:
            pass
        return Outcome(Action.POISON)

    def _run(self, delivery, lease, claim: JobClaim, cancellation: Cancellation) -> Outcome:
        try:
            with Heartbeat(delivery, lease, claim, NoProgress(), cancellation, self._heartbeat_interval):
                self._score_all(claim, cancellation)
        except TrainingCancelledError as cancelled:
            return self._cancelled(claim, cancelled.reason)
        except (ModelNotFoundError, CategoriesUnavailableError, TooManyParsingErrorsError, BatchInputError,
                ModelFormatError, ModelIdentityError, BatchScoringError) as error:
            claim.write(JobStatus.FAILED, f"Failed: {error}")
            return FINISH
        return FINISH

    def _score_all(self, claim: JobClaim, cancellation: Cancellation):
        try:
            self._score_parts(claim, cancellation)
        except ResourceNotFoundError as error:  # the user list or the output container went away
            raise BatchInputError(f"a blob or container of the job is gone: {describe_error(error)}") from None

    def _score_parts(self, claim: JobClaim, cancellation: Cancellation):
        request = claim.record.request
        model, etag = self._load_model(claim.record.model_id)
        rows, report = self._users(model, request)
        if report is not None:
            claim.write(JobStatus.RUNNING, claim.record.status_message, errors=report)
        per_part = self._settings.batch_rows_per_part
        parts, first = max(1, -(-rows.size // per_part)), claim.record.parts_done
        job = PartsJob(claim.record.model_id, etag, model, request,
                       [rows[index * per_part:(index + 1) * per_part] for index in range(first, parts)])
        output = self._blobs.get_container_client(request["outputContainerName"])
        # closing: a job that stops early lets go of the parts still being scored (on Dask: cancels their tasks)
        with contextlib.closing(self._scorer.score_parts(job, cancellation)) as scored:
            for index, part_rows, (data, written) in zip(range(first, parts), job.parts, scored):
                cancellation.raise_if_cancelled()
                name = PART_NAME.format(path=request["outputRelativePath"], index=index,
                                        extension=EXTENSIONS[request["format"]])
                output.upload_blob(name, data, overwrite=True)
                done = claim.record
                claim.write(JobStatus.RUNNING, f"Wrote part {index + 1} of {parts}", parts_done=index + 1,
                            progress=round((index + 1) / parts, 4), users_scored=done.users_scored + part_rows.size,
                            rows_written=done.rows_written + written)
        claim.write(JobStatus.COMPLETED, f"Completed: {claim.record.users_scored} users, {parts} parts")

    def _load_model(self, model_id: str) -> tuple:
        """(the model, the ETag of its blob)."""
        self._models.get(model_id)  # :raise ModelNotFoundError:
        blob = self._store.load(model_id)
        model = from_bytes(blob.data, expected_model_id=model_id)
        if model.user_affinity is None:
            raise BatchInputError("the model keeps no user histories (enableUserToItemRecommendations)")
        return model, blob.etag

    def _users(self, model, request: dict) -> tuple:
        """(user rows to score, the user list's report or None for every user)."""
        path = request.get("userListRelativePath")
        if path is None:
            return np.arange(len(model.user_ids)), None
        download = self._blobs.get_container_client(request["outputContainerName"]).download_blob(path)
        if download.size > MAX_USER_LIST_BYTES:
            raise BatchInputError(f"the user list {path} is {download.size} bytes; at most {MAX_USER_LIST_BYTES}")
        text = download.readall().decode("utf-8", "replace")
        return parse_user_list(text, path, model.user_index, self._settings.max_parsing_errors)

    def _cancelled(self, claim: JobClaim, reason: CancelReason) -> Outcome:
        if reason == CancelReason.WORKER_STOPPING:
            return RELEASE  # another worker goes on from the last part written
        if reason == CancelReason.MODEL_DELETED:
            try:
                claim.write(JobStatus.CANCELLED, "Cancelled: the model was deleted")
            except (ConcurrentUpdateError, JobNotFoundError):
                pass
            return FINISH
        return LEAVE if claim.record.status == JobStatus.RUNNING and not self._was_cancelled(claim) else FINISH

    def _was_cancelled(self, claim: JobClaim) -> bool:
        try:
            return self._jobs.get_job(claim.record.id).status in FINAL_JOB_STATUSES
        except JobNotFoundError:
            return True


class BatchInputError(Exception):
    """A job the worker cannot run as asked."""
