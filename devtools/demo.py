"""`make demo`: the whole service on a local Azurite with a model trained on MovieLens 100k.

Starts Azurite, the web app (gunicorn) and the worker; fetches MovieLens 100k
at run time (its licence forbids shipping it), uploads it as usage data,
trains a model through the REST API while printing progress, prints real
recommendations and curl lines to try, and runs until Ctrl-C.
"""
import logging
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import requests

from .azurite import REPO_ROOT, Azurite, free_port
from .movielens import fetch_movielens_100k, load_ratings, write_usage_csv
from .stack import service_environ, start_webapp, start_worker

DEMO_KEYS = {"admin_primary_key": "demo-admin-key", "admin_secondary_key": "demo-admin-key-2",
             "recommend_primary_key": "demo-recommend-key", "recommend_secondary_key": "demo-recommend-key-2"}
DEMO_DIR = REPO_ROOT / ".azurite" / "demo"
USAGE_CONTAINER, USAGE_BLOB = "demo-data", "movielens/ml-100k-usage.csv"
STAR_WARS, DEMO_USER = "50", "1"


def main() -> int:
    """Run the demo until Ctrl-C; everything started is stopped on the way out."""
    logging.basicConfig(level=logging.WARNING)
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    started = []
    for signum in (signal.SIGINT, signal.SIGTERM):  # explicit: a shell may start us with SIGINT ignored
        signal.signal(signum, _interrupt)
    try:
        azurite = Azurite(location=DEMO_DIR).start()
        started.append(azurite)
        say(f"Azurite is up (data in {DEMO_DIR})")
        port = 8000 if _port_free(8000) else free_port()
        environ = service_environ(azurite.connection_string, DEMO_KEYS)
        webapp, base_url = start_webapp(environ, DEMO_DIR / "logs", port=port)
        started.append(webapp)
        started.append(start_worker(environ, DEMO_DIR / "logs"))
        say(f"web app at {base_url} (gunicorn), worker running; logs in {DEMO_DIR / 'logs'}")
        upload_movielens(azurite.connection_string)
        model_id = train(base_url)
        show_recommendations(base_url, model_id)
        say("Running; press Ctrl-C to stop.")
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in reversed(started):
            process.stop()
        say("stopped everything the demo started")
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def upload_movielens(connection_string: str):
    """Fetch MovieLens 100k, convert it to the usage CSV format and upload it."""
    from azure.storage.blob import BlobServiceClient

    say("fetching MovieLens 100k (from the recbole 1.2.1 wheel on PyPI; cached in .cache/)")
    ratings = load_ratings()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "usage.csv"
        write_usage_csv(ratings, path)
        container = BlobServiceClient.from_connection_string(connection_string).create_container(USAGE_CONTAINER)
        container.upload_blob(USAGE_BLOB, path.read_bytes())
    say(f"uploaded {len(ratings):,} usage events to {USAGE_CONTAINER}/{USAGE_BLOB}")


def train(base_url: str) -> str:
    """POST /api/models and follow its progress until it ends."""
    admin = {"x-api-key": DEMO_KEYS["admin_primary_key"]}
    response = requests.post(f"{base_url}/api/models", headers=admin, timeout=30, json={
        "description": "MovieLens 100k demo", "blobContainerName": USAGE_CONTAINER, "usageRelativePath": USAGE_BLOB,
        "enableUserToItemRecommendations": True})
    response.raise_for_status()
    model_id = response.json()["id"]
    say(f"POST /api/models -> 201, model {model_id}")
    last_message = None
    while True:
        model = requests.get(f"{base_url}/api/models/{model_id}", headers=admin, timeout=30).json()
        if model["modelStatusMessage"] != last_message:
            last_message = model["modelStatusMessage"]
            say(f"  {model['modelStatus']}: {last_message}")
        if model["modelStatus"] == "Completed":
            statistics = model["statistics"]
            say(f"trained on {statistics['numberOfUsers']} users and {statistics['numberOfUsageItems']} items "
                f"in {statistics['totalDuration']:.2f} s")
            return model_id
        if model["modelStatus"] == "Failed":
            raise SystemExit(f"training failed: {last_message}")
        time.sleep(0.3)


def show_recommendations(base_url: str, model_id: str):
    """Print item-to-item and personalized recommendations with movie titles, and curl lines."""
    titles = _movie_titles()
    key = DEMO_KEYS["recommend_primary_key"]
    headers = {"x-api-key": key}
    similar = requests.get(f"{base_url}/api/models/{model_id}/recommend",
                           params={"itemId": STAR_WARS, "recommendationCount": 5}, headers=headers, timeout=30).json()
    say(f"people who watched {titles.get(STAR_WARS)} also watched:")
    for entry in similar:
        say(f"  {entry['score']:.4f}  {titles.get(entry['recommendedItemId'], entry['recommendedItemId'])}")
    personal = requests.post(f"{base_url}/api/models/{model_id}/recommend",
                             params={"userId": DEMO_USER, "recommendationCount": 5}, json=[], headers=headers,
                             timeout=30).json()
    say(f"for user {DEMO_USER}, from their history:")
    for entry in personal:
        say(f"  {entry['score']:.4f}  {titles.get(entry['recommendedItemId'], entry['recommendedItemId'])}")
    say("try it yourself:")
    print(f"  curl -s -H 'x-api-key: {key}' '{base_url}/api/models/{model_id}/recommend?itemId={STAR_WARS}&recommendationCount=5'")
    print(f"  curl -s -H 'x-api-key: {key}' '{base_url}/api/models/default/recommend?itemId=1'")
    print(f"  curl -s -X POST -H 'x-api-key: {key}' -H 'Content-Type: application/json' "
          f"-d '[{{\"itemId\": \"{STAR_WARS}\", \"eventType\": \"Purchase\"}}]' '{base_url}/api/models/default/recommend'")
    print(f"  curl -s -H 'x-api-key: {DEMO_KEYS['admin_primary_key']}' '{base_url}/api/models'")
    sys.stdout.flush()


def _movie_titles() -> dict:
    frame = pd.read_csv(fetch_movielens_100k() / "ml-100k.item", sep="\t", header=0, dtype=str)
    frame.columns = [column.split(":", 1)[0] for column in frame.columns]
    return dict(zip(frame["item_id"], frame["movie_title"]))


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def say(text: str):
    """One line of demo output."""
    print(f"[demo] {text}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
