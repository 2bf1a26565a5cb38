"""`recsvc batch`, `batch-status` and `batch-cancel`: score every user of a model into blobs, follow, cancel."""
import time
from urllib.parse import urljoin

from .commands import EXIT_MODEL_FAILED, EXIT_OK, Context, recommend_rules
from .output import to_json
from .progress import ProgressBar
from .reports import report_warnings, status_text
from .waiting import Snapshot, wait_until_final

BATCH_FLAGS = {"container": "outputContainerName", "path": "outputRelativePath", "count": "recommendationCount",
               "format": "format", "users_from": "userListRelativePath"}
"""The request's fields by flag; a flag not given is left to the service's default."""
FINAL_STATUSES = ("Completed", "Failed", "Cancelled")
UNFINISHED_STATUSES = ("Failed", "Cancelled")
"""Final statuses without the whole output: exit 3, as a failed training does."""


def batch(args, context: Context) -> int:
    """Queue a batch job on MODEL_ID; with --wait, follow it to its end (exit 3 when Failed or Cancelled)."""
    body = {field: getattr(args, flag) for flag, field in BATCH_FLAGS.items() if getattr(args, flag) is not None}
    body.update(recommend_rules(args))
    client = context.client()
    job, location = client.create_batch(args.model_id, body)
    if not args.json:
        where = f": {urljoin(client.endpoint, location)}" if location else ""
        context.say(f"queued batch job {job['id']} on model {job['modelId']}{where}")
    if not args.wait:
        if args.json:
            context.say(to_json(job))
        return EXIT_OK
    return _say_final(wait_for_job(client, job["id"], ProgressBar(context.stderr), args.poll_seconds, args.timeout),
                      args, context)


def batch_status(args, context: Context) -> int:
    """A job's status, counters, output and user-list report (with --wait, once it ends); exit 3 if it did not
    complete."""
    client = context.client()
    if args.wait:
        job = wait_for_job(client, args.job_id, ProgressBar(context.stderr), args.poll_seconds, args.timeout)
    else:
        job = client.get_batch(args.job_id)
    return _say_final(job, args, context)


def batch_cancel(args, context: Context) -> int:
    """Cancel a job: its worker stops at the next block (409 JobFinished when it already ended)."""
    job = context.client().cancel_batch(args.job_id)
    status = status_text(job["status"], job.get("statusMessage"))
    context.say(to_json(job) if args.json else f"batch job {job['id']} {status}")
    return EXIT_OK


def wait_for_job(client, job_id: str, bar: ProgressBar, poll_seconds: float = 1.0, timeout: float = None,
                 clock=time.monotonic, sleep=time.sleep) -> dict:
    """Poll the job until Completed, Failed or Cancelled, drawing parts written and users scored."""
    return wait_until_final(lambda: client.get_batch(job_id), _snapshot, f"batch job {job_id}", bar, poll_seconds,
                            timeout, clock, sleep)


def job_lines(job: dict) -> list:
    """A job in words: its status, its counters, where its parts go, a warning per kind of bad user-list line."""
    request = job.get("request") or {}
    extension = request.get("format", "csv")
    return [f"batch job {job['id']} {status_text(job['status'], job.get('statusMessage'))}",
            f"model {job['modelId']}: {_counters(job)}, {job.get('rowsWritten', 0)} rows",
            f"output: {request.get('outputContainerName')}/{request.get('outputRelativePath')}/part-*.{extension}",
            *(f"warning: {line}" for line in report_warnings("user list", job.get("errors")))]


def _say_final(job: dict, args, context: Context) -> int:
    context.say(to_json(job) if args.json else "\n".join(job_lines(job)))
    return EXIT_MODEL_FAILED if job["status"] in UNFINISHED_STATUSES else EXIT_OK


def _snapshot(job: dict) -> Snapshot:
    status = job["status"]
    fraction = job.get("progress") if status in ("Running", "Completed") else None
    return Snapshot(status, status in FINAL_STATUSES, fraction,
                    f"{status_text(status, job.get('statusMessage'))} ({_counters(job)})")


def _counters(job: dict) -> str:
    return f"{job.get('partsWritten', 0)} parts written, {job.get('usersScored', 0)} users scored"
