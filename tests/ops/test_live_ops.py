"""The running service, watched as an operator would (issue 9): gunicorn with 2 processes and a worker on
Azurite, each with its ops port; the metrics a scrape finds, the JSON logs, and no key in any log line."""
import json
import random
import string
import time
import uuid

import pytest
import requests
from monitoring_files import named_metrics
from prometheus_client.parser import text_string_to_metric_families
from usage_data import CLUSTERED_USAGE

from config.settings import Settings
from devtools.azurite import free_port
from devtools.stack import service_environ, start_webapp, start_worker
from storage.clients import StorageClients

KEYS = {"admin_primary_key": "ops-admin-key-9f2c71", "admin_secondary_key": "ops-admin-key-9f2c71-second",
        "recommend_primary_key": "ops-recommend-key-1b8e05", "recommend_secondary_key": "ops-recommend-key-44d0aa"}
ADMIN = {"x-api-key": KEYS["admin_primary_key"]}
RECOMMEND = {"x-api-key": KEYS["recommend_secondary_key"]}
WRONG_KEYS = ("wrong-key-5d1e7a", KEYS["admin_primary_key"] + "-not-quite")
PAYLOAD_MARKER = "payload-item-3c9b41"
"""An item id sent only in a request body: it must not reach a log line."""
ITEM_REQUESTS = 6
BAD_LINE = b"u-without-an-item\n"
"""One bad usage line: the training completes and counts it (MissingFields)."""
RECOMMEND_ROUTE = "/api/models/<model_id:model_id>/recommend"


@pytest.fixture(scope="module")
def ops_stack(azurite, tmp_path_factory):
    """Web app and worker with ops ports on storage names of their own, a trained model, and some traffic."""
    log_dir = tmp_path_factory.mktemp("ops")
    suffix = uuid.uuid4().hex[:10]
    names = {"models_table": f"models{suffix}", "models_container": f"models-{suffix}",
             "train_queue": f"train-{suffix}", "delete_queue": f"delete-{suffix}"}
    environ = service_environ(azurite.connection_string, KEYS, queue_poll_seconds=0.1, cache_metrics_seconds=0,
                              **names)
    web_ops, worker_ops = free_port(), free_port()
    storage = StorageClients.from_settings(Settings.from_environ(environ))
    usage = storage.blobs.create_container(f"usage-{suffix}")
    usage.upload_blob("events.csv", CLUSTERED_USAGE + BAD_LINE)
    webapp, base_url = start_webapp({**environ, "METRICS_PORT": str(web_ops)}, log_dir)
    worker = start_worker({**environ, "METRICS_PORT": str(worker_ops)}, log_dir)
    try:
        stack = {"base_url": base_url, "webapp": webapp, "worker": worker, "train_queue": names["train_queue"],
                 "web_ops": f"http://127.0.0.1:{web_ops}", "worker_ops": f"http://127.0.0.1:{worker_ops}"}
        stack["model_id"] = _train(base_url, usage.container_name)
        stack["request_ids"] = _traffic(base_url, stack["model_id"])
        yield stack
    finally:
        worker.stop()
        webapp.stop()
        usage.delete_container()
        storage.tables.delete_table(names["models_table"])
        for queue in (names["train_queue"], names["delete_queue"], f"train-{suffix}-poison", f"delete-{suffix}-poison"):
            storage.queues.delete_queue(queue)
        storage.blobs.delete_container(names["models_container"])


def _train(base_url: str, container: str) -> str:
    created = requests.post(f"{base_url}/api/models", headers=ADMIN, timeout=10,
                            json={"blobContainerName": container, "usageRelativePath": "events.csv"})
    assert created.status_code == 201, created.text
    model_id = created.json()["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = requests.get(f"{base_url}/api/models/{model_id}", headers=ADMIN, timeout=10).json()["modelStatus"]
        if status == "Completed":
            return model_id
        assert status != "Failed"
        time.sleep(0.1)
    raise AssertionError("the model was not trained within 60 s")


def _traffic(base_url: str, model_id: str) -> list:
    """Every key and some wrong ones, item-to-item and personalized requests; returns the X-Request-Ids."""
    responses = [requests.get(f"{base_url}/api/models/{model_id}/recommend", params={"itemId": "a1"},
                              headers=RECOMMEND, timeout=10) for _ in range(ITEM_REQUESTS)]
    responses.append(requests.post(f"{base_url}/api/models/{model_id}/recommend", headers=RECOMMEND, timeout=10,
                                   json=[{"itemId": "a1"}, {"itemId": PAYLOAD_MARKER, "eventType": "Purchase"}]))
    responses.append(requests.get(f"{base_url}/api/models/default/recommend", params={"itemId": "no-such-item"},
                                  headers=RECOMMEND, timeout=10))  # all backfill
    for key in KEYS.values():
        responses.append(requests.get(f"{base_url}/api/models", headers={"x-api-key": key}, timeout=10))
    for key in WRONG_KEYS:
        responses.append(requests.get(f"{base_url}/api/models", headers={"x-api-key": key}, timeout=10))
    # A client that pasted its key into the URL: the path is logged, the key must not be.
    responses.append(requests.get(f"{base_url}/api/models/{KEYS['admin_primary_key']}", headers=ADMIN, timeout=10))
    assert [r.status_code for r in responses] == [200] * (ITEM_REQUESTS + 2) + [200, 200, 403, 403, 401, 401, 400]
    return [r.headers["X-Request-Id"] for r in responses]


def scrape(url: str) -> dict:
    """{(sample name, sorted labels): value} of a /metrics page."""
    text = requests.get(f"{url}/metrics", timeout=10).text
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples: dict, name: str, **labels) -> float:
    """The sum of a metric's samples whose labels include `labels` (whatever their other labels)."""
    wanted = set(labels.items())
    return sum(count for (sample, sample_labels), count in samples.items()
               if sample == name and wanted <= set(sample_labels))


def test_the_web_ops_port_adds_up_every_gunicorn_process(ops_stack):
    samples = scrape(ops_stack["web_ops"])
    names = {name for name, _ in samples}
    assert {"recsvc_http_requests_total", "recsvc_http_request_duration_seconds_bucket",
            "recsvc_recommendations_served_total", "recsvc_cache_hits_total", "recsvc_cache_misses_total",
            "recsvc_cache_evictions_total", "recsvc_cache_entries", "recsvc_models", "recsvc_queue_messages",
            "recsvc_storage_up"} <= names
    # Counted in two processes, reported once: exact sums, whichever process served which request.
    get_recommend = {"route": RECOMMEND_ROUTE, "method": "GET", "status": "200"}
    assert value(samples, "recsvc_http_requests_total", **get_recommend) == ITEM_REQUESTS
    assert value(samples, "recsvc_http_request_duration_seconds_count", **get_recommend) == ITEM_REQUESTS
    assert value(samples, "recsvc_http_requests_total", route="/api/models", method="GET", status="401") >= 2
    assert total(samples, "recsvc_recommendations_served_total", kind="item_to_item") == ITEM_REQUESTS + 1
    assert total(samples, "recsvc_recommendations_served_total", kind="item_to_item", model="default") == 1
    assert total(samples, "recsvc_recommendations_served_total", kind="personalized") == 1
    assert value(samples, "recsvc_unknown_ids_total", subject="item") == 1
    assert value(samples, "recsvc_recommended_items_total", source="backfill") >= 1  # the unknown item's answer
    assert value(samples, "recsvc_model_load_seconds_count") >= 1  # each process that served loaded the model
    # Each process answers its first item-to-item request from a miss, every later one from its caches.
    assert value(samples, "recsvc_cache_hits_total", level="answers") >= ITEM_REQUESTS - 2
    assert value(samples, "recsvc_cache_hits_total", level="models") >= ITEM_REQUESTS - 1
    assert value(samples, "recsvc_models", status="Completed") == 1
    assert value(samples, "recsvc_storage_up") == 1
    queues = {dict(labels)["queue"]: count for (name, labels), count in samples.items()
              if name == "recsvc_queue_messages"}
    assert len(queues) == 6 and set(queues.values()) == {0}  # train, delete, batch and their poison queues: empty


def test_the_worker_ops_port_counts_the_training(ops_stack):
    samples = scrape(ops_stack["worker_ops"])
    assert value(samples, "recsvc_trainings_total", outcome="completed") == 1
    assert value(samples, "recsvc_trainings_total", outcome="failed") == 0
    assert value(samples, "recsvc_training_duration_seconds_count", stage="total") == 1
    assert value(samples, "recsvc_training_events_parsed_total") == CLUSTERED_USAGE.count(b"\n")
    assert value(samples, "recsvc_training_bad_lines_total", reason="MissingFields") == 1
    assert value(samples, "recsvc_queue_oldest_message_age_seconds", queue=ops_stack["train_queue"]) == 0
    assert requests.get(f"{ops_stack['worker_ops']}/health/live", timeout=5).json() == {"status": "live"}
    assert requests.get(f"{ops_stack['worker_ops']}/health/ready", timeout=5).json()["status"] == "ready"


def test_every_metric_a_grafana_panel_or_an_alert_rule_reads_is_exported(ops_stack):
    exported = {name for url in (ops_stack["web_ops"], ops_stack["worker_ops"]) for name, _ in scrape(url)}
    # A histogram's series are name_bucket, _count and _sum; a counter's name_total.
    missing = {name for name in named_metrics() if name not in exported and f"{name}_count" not in exported}
    assert not missing, f"panels or rules read metrics the service does not export: {sorted(missing)}"


def test_metrics_need_no_key_but_are_not_on_the_api_port(ops_stack):
    assert requests.get(f"{ops_stack['web_ops']}/metrics", timeout=5).status_code == 200
    assert requests.get(f"{ops_stack['base_url']}/metrics", timeout=5).status_code == 404
    assert requests.get(f"{ops_stack['base_url']}/health/live", timeout=5).json() == {"status": "live"}
    ready = requests.get(f"{ops_stack['base_url']}/health/ready", timeout=5)
    assert ready.status_code == 200 and set(ready.json()["checks"].values()) == {"ok"}


def test_every_log_line_is_json_with_the_request_fields_and_no_key_or_payload(ops_stack):
    lines = ops_stack["webapp"].log().splitlines() + ops_stack["worker"].log().splitlines()
    records = [json.loads(line) for line in lines]  # fails on any line that is not one JSON object
    assert all({"timestamp", "level", "logger", "message"} <= set(record) for record in records)
    requests_logged = {record["requestId"]: record for record in records if "durationMs" in record}
    for request_id in ops_stack["request_ids"]:
        assert request_id in requests_logged
    recommend = requests_logged[ops_stack["request_ids"][0]]
    assert (recommend["route"], recommend["status"], recommend["modelId"]) == \
        (RECOMMEND_ROUTE, 200, ops_stack["model_id"])
    assert (recommend["kind"], recommend["unknownItem"]) == ("item_to_item", False)
    assert recommend["items"] > 0 and 0 <= recommend["backfilled"] <= recommend["items"]
    assert any("[REDACTED]" in record["message"] for record in records)  # the key pasted into a URL
    assert any(record.get("modelId") == ops_stack["model_id"] and record["logger"].startswith("webjob")
               for record in records)
    text = "\n".join(lines)
    for secret in (*KEYS.values(), *WRONG_KEYS, PAYLOAD_MARKER):
        assert secret not in text, secret


RANDOM_REQUESTS = 1000
STANDARD_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"}
PATH_SHAPES = ("/{word}", "/api/models/{word}", "/api/models/{word}/recommend", "/api/{word}/{word}", "/api/models")


def random_request(rng: random.Random) -> tuple:
    """A made-up method (an upper-case token no standard names) and a path of one of PATH_SHAPES."""
    while True:
        method = "".join(rng.choices(string.ascii_uppercase, k=rng.randint(3, 12)))
        if method not in STANDARD_METHODS:
            break
    word = "".join(rng.choices(string.ascii_letters + string.digits + "-_", k=rng.randint(1, 40)))
    return method, rng.choice(PATH_SHAPES).format(word=word)


def series(url: str) -> set:
    """The (name, labels) of every sample on a /metrics page."""
    return set(scrape(url))


def test_made_up_methods_and_paths_add_no_series(ops_stack):
    """Issue 19: each made-up method was a label of its own (300 requests took /metrics from 53 KB to 647 KB)."""
    session, rng = requests.Session(), random.Random(19)
    base_url = ops_stack["base_url"]

    def send(method, path):
        return session.request(method, base_url + path, timeout=10).status_code

    warm_up = [send(method, shape.format(word="warm-up")) for shape in PATH_SHAPES for method in ("FOO", "BAR")]
    before = scrape(ops_stack["web_ops"])
    statuses = [send(*random_request(rng)) for _ in range(RANDOM_REQUESTS)]
    after = scrape(ops_stack["web_ops"])

    assert set(statuses) <= set(warm_up) <= {404, 405}  # every one reached the app, none was served
    assert set(after) == set(before), set(after) ^ set(before)
    counted = [total(samples, "recsvc_http_requests_total", route="unmatched", method="other")
               for samples in (before, after)]
    assert counted[1] - counted[0] == RANDOM_REQUESTS
