"""Issue 23's "done when", through the service: a batch job over every user of the 15M-event model, checked
row for row against the recommend route for a sample of its users.

    .venv/bin/python bench/batch_service.py [--sample 1000] [--users 500000 --items 60000 --events 15000000]

A private Azurite, the web app (gunicorn) and one worker (`python -m webjob`, default settings). The usage
(bench/synth.py, seed 7, 15 files of 1M lines for the full size) is uploaded; POST /api/models trains it with
`enableUserToItemRecommendations` (threshold 6, the other defaults); POST /api/models/{id}/batch asks for every
user's top 10 in CSV; GET /api/batches/{jobId} is polled until Completed. Then the parts are read back and, for
`--sample` users drawn at random (seed 7), each user's rows (rank, item, score) must equal what
GET /api/models/{id}/recommend?userId=... answers, item for item and score for score (the CSV prints floats as
the route's JSON does: the shortest repr that reads back to the same double).

Figures: training seconds, the job's seconds from POST to Completed, users per second, rows and parts written,
and the number of sampled users whose answers differ (0 is the claim).
"""
import argparse
import csv
import io
import os
import random
import sys
import time
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "bench")]

from parse_scale import ensure_folder  # noqa: E402
from training_scale import KEYS, CodeWorker, upload  # noqa: E402

from devtools.azurite import Azurite  # noqa: E402
from devtools.stack import service_environ, start_webapp  # noqa: E402

WORK_DIR = REPO_ROOT / ".cache" / "bench" / "batch_service"
SEED = 7
TIMEOUT_SECONDS = 1800
ADMIN = {"x-api-key": KEYS["admin_primary_key"]}
RECOMMEND = {"x-api-key": KEYS["recommend_primary_key"]}


def say(message: str):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def poll(url: str, done: tuple, what: str) -> tuple:
    """(final JSON, seconds) of GETting `url` every 0.2 s until its status is one of `done`."""
    started = time.perf_counter()
    last = None
    while time.perf_counter() - started < TIMEOUT_SECONDS:
        answer = requests.get(url, headers=ADMIN, timeout=30).json()
        status = answer.get("modelStatus") or answer.get("status")
        message = answer.get("modelStatusMessage") or answer.get("statusMessage")
        if message != last:
            say(f"{what}: {status}: {message}")
            last = message
        if status in done:
            return answer, time.perf_counter() - started
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not finish within {TIMEOUT_SECONDS} s")


def train(base_url: str) -> tuple:
    body = {"description": "batch_service", "blobContainerName": "usage", "usageRelativePath": "usage",
            "enableUserToItemRecommendations": True}
    started = time.perf_counter()
    created = requests.post(f"{base_url}/api/models", headers=ADMIN, json=body, timeout=30)
    created.raise_for_status()
    model, _ = poll(f"{base_url}/api/models/{created.json()['id']}", ("Completed", "Failed"), "training")
    if model["modelStatus"] != "Completed":
        raise RuntimeError(f"training failed: {model['modelStatusMessage']}")
    return model, time.perf_counter() - started


def run_batch(base_url: str, model_id: str) -> tuple:
    body = {"outputContainerName": "exports", "outputRelativePath": "every-user", "recommendationCount": 10,
            "format": "csv"}
    started = time.perf_counter()
    created = requests.post(f"{base_url}/api/models/{model_id}/batch", headers=ADMIN, json=body, timeout=30)
    if created.status_code != 202:
        raise RuntimeError(f"batch refused: {created.status_code} {created.text}")
    job, _ = poll(f"{base_url}{created.headers['Location']}", ("Completed", "Failed", "Cancelled"), "batch job")
    if job["status"] != "Completed":
        raise RuntimeError(f"batch job ended {job['status']}: {job.get('statusMessage')}")
    return job, time.perf_counter() - started


def read_parts(connection_string: str, wanted: set) -> tuple:
    """(user -> [(rank, item, score)] for the wanted users, every user in the parts in order), from every part
    of the job's output."""
    from azure.storage.blob import BlobServiceClient

    container = BlobServiceClient.from_connection_string(connection_string).get_container_client("exports")
    rows, users = {}, []
    for blob in sorted(container.list_blobs(name_starts_with="every-user/"), key=lambda blob: blob.name):
        text = container.download_blob(blob.name, max_concurrency=2).readall().decode("utf-8")
        reader = csv.reader(io.StringIO(text))
        if next(reader) != ["userId", "rank", "itemId", "score"]:
            raise RuntimeError(f"{blob.name} does not start with the header")
        for user, rank, item, score in reader:
            if not users or users[-1] != user:
                users.append(user)
            if user in wanted:
                rows.setdefault(user, []).append((int(rank), item, float(score)))
    return rows, users


def route_rows(base_url: str, model_id: str, user: str) -> list:
    answer = requests.get(f"{base_url}/api/models/{model_id}/recommend", headers=RECOMMEND, timeout=30,
                          params={"userId": user, "recommendationCount": 10})
    answer.raise_for_status()
    return [(rank, entry["recommendedItemId"], entry["score"]) for rank, entry in enumerate(answer.json(), start=1)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=500_000)
    parser.add_argument("--items", type=int, default=60_000)
    parser.add_argument("--events", type=int, default=15_000_000)
    parser.add_argument("--files", type=int, default=15)
    parser.add_argument("--sample", type=int, default=1000)
    args = parser.parse_args(argv)
    folder = ensure_folder(args.users, args.items, args.events, args.files)
    with Azurite() as azurite:
        environ = service_environ(azurite.connection_string, KEYS)
        say(f"uploading {args.files} files of {folder}")
        upload(azurite.connection_string, "usage", sorted(folder.glob("*.csv")))
        from azure.storage.blob import BlobServiceClient
        BlobServiceClient.from_connection_string(azurite.connection_string).create_container("exports")
        webapp, base_url = start_webapp(environ, WORK_DIR / "logs", workers=1, front=False)
        worker = CodeWorker(REPO_ROOT, environ, WORK_DIR / "logs", "worker").start()
        try:
            model, training_seconds = train(base_url)
            users = model["statistics"]["numberOfUsers"]
            job, job_seconds = run_batch(base_url, model["id"])
            say(f"reading the parts back; asking the route for {args.sample} users")
            _, users_seen = read_parts(azurite.connection_string, set())
            sample = sorted(random.Random(SEED).sample(users_seen, min(args.sample, len(users_seen))))
            written, _ = read_parts(azurite.connection_string, set(sample))
            differing = [user for user in sample if written.get(user) != route_rows(base_url, model["id"], user)]
        finally:
            worker.stop()
            webapp.stop()
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}; load {os.getloadavg()[0]:.1f}")
    print(f"training (user histories on): {training_seconds:.1f} s, {users:,} users")
    print(f"batch job: {job_seconds:.1f} s from POST to Completed ({job_seconds / 60:.1f} min), "
          f"{job['usersScored']:,} users scored ({job['usersScored'] / job_seconds:,.0f} users/s), "
          f"{job['rowsWritten']:,} rows in {job['partsWritten']} parts; {len(users_seen):,} users in the parts")
    print(f"sample: {len(sample)} users, {len(sample) - len(differing)} equal to the route row for row, "
          f"{len(differing)} differ{': ' + ', '.join(differing[:10]) if differing else ''}")
    return 0 if not differing and job["usersScored"] == users == len(users_seen) else 1


if __name__ == "__main__":
    sys.exit(main())
