"""Schemathesis against the live service (gunicorn on Azurite): no server error, no answer the spec does not allow.

Valid and invalid requests are generated from webapp/openapi.yaml (the file the service serves) for every
operation. Each answer is checked against the spec (status, content type, body schema, headers) and by
schemathesis's other built-in checks: no 5xx, valid data accepted, invalid data refused, a method the spec does
not list answered 405 with an Allow header, no answer without a key. A model trained on small data is the
default model, and half the valid cases use its id or the container holding usage data, so the recommend
operations score the generated item ids and usage events for real and models get created.
"""
import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api_keys import ADMIN_KEY
from live_stack import USAGE_PATH, live_stack
from webapp.spec_api import SPEC_PATH

MAX_EXAMPLES = 50
"""Per operation and phase: about 1,200 requests, 20-40 s on 2 cores."""
SEED = 20240601
"""A fixed seed: every run sends the same generated cases; change it to explore others."""

# Loaded from the file at import time, as schemathesis parametrizes at collection; the fixture checks that the
# live service serves exactly this file. (schemathesis.pytest.from_fixture, which would load it from the live
# URL, breaks on pytest 9.2: it writes the test node's `_nodeid`, which pytest 9.2 removed.)
schema = schemathesis.openapi.from_path(SPEC_PATH, config=schemathesis.Config.from_dict({
    "seed": SEED,
    "headers": {"x-api-key": ADMIN_KEY},
    "generation": {"max-examples": MAX_EXAMPLES, "mode": "all"},
    "phases": {"stateful": {"enabled": False}},
    # schemathesis's list, and 414: gunicorn refuses a request line over 8190 bytes before the app sees it.
    "checks": {"negative_data_rejection": {"expected-statuses": [
        400, 401, 403, 404, 405, 406, 409, 414, 415, 422, 428, 429, "5xx"]}},
}))
LIVE = {}
"""The module's running stack, for the hook below."""


@pytest.fixture(scope="module")
def fuzz_stack(azurite, tmp_path_factory):
    with live_stack(azurite, tmp_path_factory.mktemp("fuzz")) as stack:
        stack.model_id = stack.train_model(enableUserToItemRecommendations=True)  # the first Completed: the default
        assert requests.get(f"{stack.base_url}/api/openapi.yaml", timeout=10).content == SPEC_PATH.read_bytes()
        stack.requests_before = stack.access_log_lines()
        LIVE["stack"] = stack
        yield stack
        LIVE.clear()


@schema.hook
def flatmap_case(context, case):
    """Half the valid cases reach real data: the trained model's id, the container that holds usage data."""
    if not _is_positive(case):
        return st.just(case)
    return st.booleans().map(lambda real: _with_real_data(case, LIVE["stack"]) if real else case)


@schema.parametrize()
def test_the_service_keeps_its_contract(case, fuzz_stack):
    decided_by_state = _decided_by_state(case) if _is_positive(case) else set()
    response = case.call_and_validate(base_url=fuzz_stack.base_url,
                                      excluded_checks=[positive_data_acceptance] if decided_by_state else [])
    if decided_by_state and response.status_code == 400:  # in place of the check left out: refused for state only
        codes = {_refusal(detail) for detail in response.json()["error"]["details"]}
        assert codes and codes <= decided_by_state, response.text


def _refusal(detail: dict) -> str:
    """A detail's code; a timestamp of the right shape that names no day of the calendar is CalendarDate."""
    if detail["code"] == "InvalidValue" and detail["field"].endswith("timestamp"):
        return "CalendarDate"
    return detail["code"]


def test_the_fuzzer_reached_the_server(fuzz_stack):
    """Runs after the operations above: the generated requests did reach gunicorn (its access log counts them)."""
    sent = fuzz_stack.access_log_lines() - fuzz_stack.requests_before
    print(f"\nschemathesis sent {sent} requests")
    assert sent >= 11 * MAX_EXAMPLES


def _is_positive(case) -> bool:
    return case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE


def _decided_by_state(case) -> set:
    """The refusals a well-formed request may still get, which its shape cannot tell: a create request's
    container and paths must exist (and its evaluation data must not overlap its usage data, a rule JSON
    Schema cannot state); a continuation token must be one the service handed out; a recommend request's
    category cap or category needs a model trained with a catalog (the fuzzed model has none), and no id may be both
    included and excluded, nor categoryWindow come without maxPerCategory (rules across two fields); an event's
    timestamp of the spec's shape must still name a day of the calendar (2017-02-30 does not)."""
    if case.method == "POST" and case.path == "/api/models":  # a promotion policy needs evaluation paths
        return {"ContainerNotFound", "UsageFileNotFound", "CatalogFileNotFound", "OverlappingPaths",
                "EvaluationRequired"}
    if case.path.endswith("/retrain"):  # the fuzzed model has no evaluation files for a promotion policy
        return {"ContainerNotFound", "UsageFileNotFound", "CatalogFileNotFound", "OverlappingPaths",
                "EvaluationRequired"}
    if case.path.endswith("/schedule") and case.method == "PUT":  # fields in range: what no pattern states
        return {"InvalidCron", "ContainerNotFound", "UsageFileNotFound", "EvaluationRequired"}
    if case.path.endswith("/batch"):  # the output container must exist; the rules as on the recommend routes
        return {"ContainerNotFound", "UserListNotFound", "UserRecommendationsDisabled", "OutputInServiceContainer",
                "CategoriesUnavailable", "ConflictingItemIds", "MissingField"}
    if case.path.endswith("/scores"):
        return {"CalendarDate"}
    if case.path.endswith(("/recommend", "/recommendations", "/popular")):
        # and userId with itemId on GET .../recommend (ConflictingParameters)
        return {"CategoriesUnavailable", "ConflictingItemIds", "MissingField", "ConflictingParameters", "CalendarDate"}
    if case.method == "GET" and case.path == "/api/models" and "continuationToken" in (case.query or {}):
        return {"InvalidContinuationToken"}
    return set()


def _with_real_data(case, stack):
    if "modelId" in case.path_parameters and case.method != "DELETE":
        case.path_parameters = {**case.path_parameters, "modelId": stack.model_id}
    elif case.method == "POST" and case.path == "/api/models":
        case.body = {"blobContainerName": stack.usage_container, "usageRelativePath": USAGE_PATH,
                     "description": case.body.get("description")}
    return case
