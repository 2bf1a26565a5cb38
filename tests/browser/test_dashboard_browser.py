"""The dashboard in a real browser: Debian's chromium driven by playwright-core, against gunicorn + worker on Azurite.

The browser flow lives in dashboard_flow.mjs (the dashboard, then Swagger UI at /api/docs); this test starts the stack, registers the models it needs,
starts the worker once the page shows the live model waiting, and checks what the page did through the API.
Set DASHBOARD_SCREENSHOTS=docs/screenshots to refresh the pictures of docs/dashboard.md and the README.
"""
import os
import shutil
import subprocess
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path

import requests
from api_keys import ADMIN_KEY, KEYS, RECOMMEND_KEY
from usage_data import CLUSTERED_USAGE

from devtools.azurite import REPO_ROOT
from devtools.stack import service_environ, start_webapp, start_worker
from registry import JobRecord, JobStatus, ModelRecord, ModelStatus, TableJobRegistry, TableModelRegistry
from storage.clients import StorageClients

FLOW = Path(__file__).with_name("dashboard_flow.mjs")
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
FLOW_TIMEOUT_SECONDS = 150
ADMIN = {"x-api-key": ADMIN_KEY}

# design.md's statistics of a model trained with evaluation usage, with round numbers the flow checks.
# The live model's catalog: the names "try it" shows beside the ids (b3 is not listed: its cell stays blank).
CATALOG = "".join(f"{item},{name},{item[0]},\n" for item, name in [
    ("a1", "Apple one"), ("a2", "Apple two"), ("a3", "Apple three"), ("b1", "Banana one"), ("b2", "Banana two")]
                  ).encode("utf-8")
EVALUATED_STATISTICS = {
    "usageEventsParsing": {"duration": 0.02, "successfulLinesCount": 34, "totalLinesCount": 36,
                           "errors": [{"error": "MalformedLine", "count": 2, "sample": {"file": "usage/events.csv", "line": 7}}]},
    "numberOfUsers": 12, "numberOfUsageItems": 6, "trainingDuration": 0.01, "storingDuration": 0.01, "totalDuration": 0.05,
    "evaluation": {
        "duration": 0.01,
        "usageEventsParsing": {"duration": 0.01, "successfulLinesCount": 24, "totalLinesCount": 24, "errors": []},
        "metrics": {
            "precisionMetrics": [{"k": k, "percentage": percentage, "usersInTest": 12}
                                 for k, percentage in zip(range(1, 6), (50, 75, 83.3, 91.7, 100))],
            "diversityMetrics": {"percentileBuckets": [{"min": 0, "max": 90, "percentage": 60.0},
                                                       {"min": 90, "max": 99, "percentage": 30.0},
                                                       {"min": 99, "max": 100, "percentage": 10.0}],
                                 "totalItemsRecommended": 60, "uniqueItemsRecommended": 6, "uniqueItemsInTrainSet": 6},
            "rankingMetrics": [{"k": k, "precision": round(0.5 / k ** 0.5, 4), "recall": round(min(1.0, 0.3 * k ** 0.5), 4),
                                "ndcg": round(0.45 + 0.02 * k, 4), "map": round(0.35 + 0.015 * k, 4)}
                               for k in (1, 2, 3, 4, 5, 10)],
        },
    },
}


def register_fixture_models(settings, container_name: str) -> tuple:
    """Three records as a worker would leave them: Completed with evaluation statistics, one mid-training, one
    Failed with its parsing report."""
    registry = TableModelRegistry(StorageClients.from_settings(settings).tables.get_table_client(settings.models_table))
    parameters = {"blobContainerName": container_name, "usageRelativePath": "usage", "evaluationUsageRelativePath": "evaluation"}
    evaluated = registry.create(ModelRecord(
        id=str(uuid.uuid4()), description="evaluation fixture", creation_time=datetime(2024, 1, 1, tzinfo=timezone.utc),
        status=ModelStatus.COMPLETED, status_message="Model training completed successfully",
        parameters=parameters, statistics=EVALUATED_STATISTICS))
    training = registry.create(ModelRecord(
        id=str(uuid.uuid4()), description="training fixture", creation_time=datetime(2024, 1, 2, tzinfo=timezone.utc),
        status=ModelStatus.IN_PROGRESS, status_message="Core training: Counting co-occurrences (40%)",
        parameters=parameters))
    failed = registry.create(ModelRecord(
        id=str(uuid.uuid4()), description="failed fixture", creation_time=datetime(2023, 12, 31, tzinfo=timezone.utc),
        status=ModelStatus.FAILED, status_message="Failed: no valid usage event in usage/bad.csv",
        parameters=parameters, statistics={"usageEventsParsing": {
            "duration": 0.01, "successfulLinesCount": 0, "totalLinesCount": 3,
            "errors": [{"error": "MissingFields", "count": 3, "sample": {"file": "usage/bad.csv", "line": 1}}]}}))
    return evaluated.id, training.id, failed.id


def register_fixture_jobs(settings, model_id: str) -> None:
    """Two finished batch jobs of a model as a worker leaves them: an older Completed one with a user-list report,
    and a newer Failed one whose message holds markup (the page must show it as text)."""
    jobs = TableJobRegistry(StorageClients.from_settings(settings).tables.get_table_client(settings.models_table))
    request = {"outputContainerName": "exports", "outputRelativePath": "weekly/2024-01-05", "recommendationCount": 10,
               "format": "csv"}
    report = {"errors": [{"error": "IllegalCharactersInUserId", "count": 2,
                          "sample": {"file": "users.txt", "line": 4}}],
              "warnings": [{"reason": "UnknownUser", "count": 1, "sample": {"file": "users.txt", "line": 2}}],
              "successfulLinesCount": 10, "totalLinesCount": 12}
    for minute, status, message, counters in [
            (0, JobStatus.COMPLETED, "Completed: 9 users, 2 parts",
             {"progress": 1.0, "users_scored": 9, "rows_written": 90, "parts_done": 2, "errors": report}),
            (5, JobStatus.FAILED, "Failed: a blob of the job is gone: <em>exports</em> was deleted",
             {"progress": 0.5, "users_scored": 5, "rows_written": 50, "parts_done": 1})]:
        jobs.create_job(JobRecord(id=str(uuid.uuid4()), model_id=model_id, status=status, status_message=message,
                                  creation_time=datetime(2024, 1, 5, 10, minute, tzinfo=timezone.utc),
                                  request=request, **counters))


def test_dashboard_in_chromium(azurite, settings, storage_names, usage_container, tmp_path):
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make install` installs Debian's chromium"
    usage_container.upload_blob("usage/events.csv", CLUSTERED_USAGE)
    usage_container.upload_blob("evaluation/events.csv", CLUSTERED_USAGE)
    usage_container.upload_blob("catalog/items.csv", CATALOG)
    environ = service_environ(azurite.connection_string, KEYS, queue_poll_seconds=0.1, **storage_names)
    webapp, base_url = start_webapp(environ, tmp_path, workers=1)
    worker = None
    try:
        fixture_id, training_id, failed_id = register_fixture_models(settings, usage_container.container_name)
        register_fixture_jobs(settings, fixture_id)
        live = requests.post(f"{base_url}/api/models", headers=ADMIN, timeout=10, json={
            "description": "clustered usage", "blobContainerName": usage_container.container_name,
            "usageRelativePath": "usage", "evaluationUsageRelativePath": "evaluation",
            "catalogFileRelativePath": "catalog", "enableUserToItemRecommendations": True})  # for a batch job
        assert live.status_code == 201, live.text
        live_id = live.json()["id"]
        screenshots = os.environ.get("DASHBOARD_SCREENSHOTS") or str(tmp_path / "screenshots")
        flow_environ = {**os.environ, "BASE_URL": base_url, "ADMIN_KEY": ADMIN_KEY, "RECOMMEND_KEY": RECOMMEND_KEY,
                        "LIVE_MODEL_ID": live_id, "FIXTURE_MODEL_ID": fixture_id, "TRAINING_MODEL_ID": training_id,
                        "FAILED_MODEL_ID": failed_id, "CONTAINER": usage_container.container_name, "CHROMIUM": CHROMIUM,
                        "SCREENSHOT_DIR": str(Path(REPO_ROOT, screenshots))}
        node = subprocess.Popen(["node", str(FLOW)], env=flow_environ, cwd=REPO_ROOT, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        watchdog = threading.Timer(FLOW_TIMEOUT_SECONDS, node.kill)
        watchdog.start()
        output = []
        try:
            for line in node.stdout:
                output.append(line)
                if line.strip() == "SEEN-CREATED":
                    worker = start_worker(environ, tmp_path)
            returncode = node.wait()
        finally:
            watchdog.cancel()
            node.kill()
        assert returncode == 0 and "DASHBOARD-FLOW-OK\n" in output, "".join(output)
    finally:
        for process in (worker, webapp):
            if process:
                process.stop()

    # What the page did, seen through the API by another client.
    restarted, base_url = start_webapp(environ, tmp_path, workers=1)
    try:
        for deleted in (live_id, training_id):
            assert requests.get(f"{base_url}/api/models/{deleted}", headers=ADMIN, timeout=10).status_code == 404
        assert requests.get(f"{base_url}/api/models/default", headers=ADMIN, timeout=10).json()["id"] == fixture_id
    finally:
        restarted.stop()
