"""Every key role against every operation of the spec, on the live service (gunicorn on Azurite).

No key or an unknown key: 401 everywhere. Admin keys (primary and secondary): every operation succeeds.
Recommend keys (primary and secondary): the recommend operations succeed, every other one is 403.
The spec document needs no key. And no key ever shows up in the service's log.
"""
import pytest
import requests
import yaml

from api_keys import KEYS
from live_stack import USAGE_PATH, live_stack
from webapp.spec_api import SPEC_PATH

SPEC = yaml.safe_load(SPEC_PATH.read_text())
OPERATIONS = sorted((path, method) for path, item in SPEC["paths"].items() for method in item if method != "parameters")
RECOMMEND_OPERATIONS = {("/api/models/{modelId}/recommend", "get"), ("/api/models/{modelId}/recommend", "post"),
                        ("/api/models/default/recommend", "get"), ("/api/models/default/recommend", "post"),
                        ("/api/models/{modelId}/scores", "post"), ("/api/models/default/scores", "post"),
                        ("/api/models/{modelId}/users/{userId}/recommendations", "get"),
                        ("/api/models/default/users/{userId}/recommendations", "get"),
                        ("/api/models/{modelId}/popular", "get"), ("/api/models/default/popular", "get"),
                        ("/api/models/{modelId}/items", "get"), ("/api/models/default/items", "get")}
CALLERS = {
    "no key": None,
    "unknown key": "not-a-configured-key",
    "admin primary": KEYS["admin_primary_key"],
    "admin secondary": KEYS["admin_secondary_key"],
    "recommend primary": KEYS["recommend_primary_key"],
    "recommend secondary": KEYS["recommend_secondary_key"],
}


def required_role(path: str, method: str):
    """The role the spec states for an operation: None (public), 'recommend' or 'admin'."""
    operation = SPEC["paths"][path][method]
    if operation.get("security", SPEC["security"]) == []:
        return None
    return "recommend" if "recommend" in operation["tags"] else "admin"


def expected_status(caller: str, path: str, method: str) -> int:
    role = required_role(path, method)
    success = min(int(status) for status in SPEC["paths"][path][method]["responses"] if status.startswith("2"))
    if role is None:
        return success
    if caller in ("no key", "unknown key"):
        return 401
    if role == "admin" and caller.startswith("recommend"):
        return 403
    return success


@pytest.fixture(scope="module")
def stack(azurite, tmp_path_factory):
    with live_stack(azurite, tmp_path_factory.mktemp("auth")) as running:
        running.model_id = running.train_model(enableUserToItemRecommendations=True)  # Completed, the default
        yield running


SCHEDULE = {"cron": "0 3 * * *"}


def batch_body(stack) -> dict:
    return {"outputContainerName": stack.usage_container, "outputRelativePath": "batch-out"}


def send(stack, caller: str, path: str, method: str) -> requests.Response:
    """A request that succeeds for a caller with the right key: real ids, a valid body."""
    admin = {"x-api-key": KEYS["admin_primary_key"]}
    model_id = stack.model_id
    if method == "delete":  # each successful delete needs a model of its own
        model_id = requests.post(f"{stack.base_url}/api/models", headers=admin, timeout=10, json={
            "blobContainerName": stack.usage_container, "usageRelativePath": USAGE_PATH}).json()["id"]
    if path.endswith("/schedule") and method in ("get", "delete"):  # a schedule to read or remove
        requests.put(f"{stack.base_url}/api/models/{model_id}/schedule", headers=admin, timeout=10,
                     json=SCHEDULE).raise_for_status()
    job_id = "{jobId}"
    if path == "/api/batches/{jobId}":  # a queued job to read or cancel (no worker runs it)
        job_id = requests.post(f"{stack.base_url}/api/models/{stack.model_id}/batch", headers=admin, timeout=10,
                               json=batch_body(stack)).json()["id"]
    body = {"/api/models": {"blobContainerName": stack.usage_container, "usageRelativePath": USAGE_PATH},
            "/api/models/{modelId}/batch": batch_body(stack), "/api/models/default/batch": batch_body(stack),
            "/api/models/{modelId}/scores": {"itemIds": ["a1"]}, "/api/models/default/scores": {"itemIds": ["a1"]},
            "/api/models/{modelId}/retrain": {}, "/api/models/{modelId}/schedule": SCHEDULE,
            }.get(path, [{"itemId": "a1"}] if method == "post" else None)
    query = {("/api/models/default", "put"): {"modelId": stack.model_id},
             ("/api/models/{modelId}/items", "get"): {"itemId": ["a1", "a2"]},
             ("/api/models/default/items", "get"): {"itemId": "a1"}}.get((path, method), {})
    headers = {} if CALLERS[caller] is None else {"x-api-key": CALLERS[caller]}
    values = {"{modelId}": model_id, "{userId}": "u1", "{asset}": "swagger-init.js", "{jobId}": job_id}
    url = stack.base_url + path
    for name, value in values.items():
        url = url.replace(name, value)
    return requests.request(method.upper(), url, params=query,
                            json=body, headers=headers, timeout=10)


def test_the_spec_gives_the_recommend_role_exactly_the_recommend_operations():
    assert {operation for operation in OPERATIONS if required_role(*operation) == "recommend"} == RECOMMEND_OPERATIONS
    assert {operation for operation in OPERATIONS if required_role(*operation) is None} == {
        ("/api/openapi.yaml", "get"), ("/api/docs", "get"), ("/api/docs/{asset}", "get"), ("/health/live", "get"),
        ("/health/ready", "get")}


@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_every_caller_on_every_operation(stack, caller):
    outcomes = {}
    for path, method in OPERATIONS:
        response = send(stack, caller, path, method)
        outcomes[(method.upper(), path)] = response.status_code
        expected = expected_status(caller, path, method)
        assert response.status_code == expected, f"{caller} {method.upper()} {path}: {response.text}"
        if expected in (401, 403):
            assert response.json()["error"]["code"] == {401: "Unauthorized", 403: "Forbidden"}[expected]
    assert len(outcomes) == len(OPERATIONS) == 32


def test_no_key_reaches_the_log(stack):
    for caller in CALLERS:  # every key, and a wrong one, sent at least once here
        send(stack, caller, "/api/models", "get")
    log = stack.webapp.log()
    assert "GET /api/models" in log  # the access log is there to look at
    assert not [caller for caller, key in CALLERS.items() if key and key in log]
