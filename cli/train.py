"""`recsvc train`: create a model from parameters and, with --wait, follow its training to the end."""
import re
import time
from typing import Optional

from .exceptions import UsageError
from .inputs import parse_value, read_json
from .progress import ProgressBar
from .reports import status_line
from .waiting import Snapshot, wait_until_final

FINAL_STATUSES = ("Completed", "Failed")
STAGE_PERCENT = re.compile(r"\((\d{1,3})%\)")
"""The worker's status messages end a measurable stage with its percentage, e.g. 'Counting co-occurrences (40%)'."""

PATH_FLAGS = {"container": "blobContainerName", "usage": "usageRelativePath", "description": "description",
              "catalog": "catalogFileRelativePath", "evaluation_usage": "evaluationUsageRelativePath"}
"""Command-line flags for the most used parameters; any other goes through --param name=value."""


def model_parameters(parameters_file, flags: dict, assignments: list) -> dict:
    """The POST /api/models body: the JSON file's object, then flags, then name=value assignments."""
    parameters = read_json(parameters_file, dict, "a JSON object of model parameters") if parameters_file else {}
    parameters.update({PATH_FLAGS[flag]: value for flag, value in flags.items() if value is not None})
    for assignment in assignments:
        name, sep, raw = assignment.partition("=")
        if not sep or not name:
            raise UsageError(f"--param {assignment!r}: expected name=value, e.g. supportThreshold=3")
        parameters[name.strip()] = parse_value(raw.strip())
    return parameters


def promotion_policy(metric, tolerance) -> Optional[dict]:
    """The promotionPolicy of --metric and --tolerance (the service's default tolerance when not given)."""
    if metric is None:
        if tolerance is not None:
            raise UsageError("--tolerance needs --metric")
        return None
    return {"metric": metric, **({"tolerance": tolerance} if tolerance is not None else {})}


def wait_for_model(client, model_id: str, bar: ProgressBar, poll_seconds: float = 1.0, timeout: float = None,
                   clock=time.monotonic, sleep=time.sleep) -> dict:
    """Poll the model until Completed or Failed, drawing its progress; returns the final model."""
    return wait_until_final(lambda: client.get_model(model_id), _snapshot, f"model {model_id}", bar, poll_seconds,
                            timeout, clock, sleep)


def _snapshot(model: dict) -> Snapshot:
    status = model["modelStatus"]
    return Snapshot(status, status in FINAL_STATUSES, stage_fraction(status, model.get("modelStatusMessage") or ""),
                    status_line(model))


def stage_fraction(status: str, message: str):
    """How far the current stage is (0..1), or None when its message does not say."""
    if status == "Completed":
        return 1.0
    match = STAGE_PERCENT.search(message)
    return int(match.group(1)) / 100 if match and status == "InProgress" else None
