"""`make demo`: the whole service on a local Azurite with a model trained on MovieLens 100k.

Starts Azurite, the web app (gunicorn) and the worker; fetches MovieLens 100k
at run time (its licence forbids shipping it); then does every step with the
`recsvc` CLI, as an operator would: uploads it as usage data, trains a model
and follows its progress, prints real recommendations; shows the dashboard's
address and commands to try, and runs until Ctrl-C.
"""
import json
import logging
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from .azurite import REPO_ROOT, Azurite, free_port
from .movielens import fetch_movielens_100k, load_ratings, write_usage_csv
from .stack import service_environ, start_webapp, start_worker

DEMO_KEYS = {"admin_primary_key": "demo-admin-key-1", "admin_secondary_key": "demo-admin-key-2",
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
        cli_environ = {**environ, "RECSVC_ENDPOINT": base_url, "RECSVC_API_KEY": DEMO_KEYS["admin_primary_key"]}
        upload_movielens(cli_environ)
        model_id = train(cli_environ)
        show_recommendations(cli_environ, base_url, model_id)
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


def recsvc(environ: dict, *argv, capture: bool = False) -> str:
    """Run one `recsvc` command, showing it; its progress bar and errors go straight to the terminal."""
    print(f"$ recsvc {shlex.join(argv)}", flush=True)
    result = subprocess.run([sys.executable, "-m", "cli", *argv], env=environ, text=True,
                            stdout=subprocess.PIPE if capture else None)
    if result.returncode != 0:
        raise SystemExit(f"[demo] recsvc {argv[0]} failed with exit code {result.returncode}")
    return result.stdout


def upload_movielens(environ: dict):
    """Fetch MovieLens 100k, convert it to the usage CSV format and upload it with `recsvc upload`."""
    say("fetching MovieLens 100k (from the recbole 1.2.1 wheel on PyPI; cached in .cache/)")
    ratings = load_ratings()
    folder, name = USAGE_BLOB.rsplit("/", 1)
    with tempfile.TemporaryDirectory() as local:
        path = Path(local) / name
        write_usage_csv(ratings, path)
        recsvc(environ, "upload", str(path), "--container", USAGE_CONTAINER, "--prefix", folder)
    say(f"uploaded {len(ratings):,} usage events to {USAGE_CONTAINER}/{USAGE_BLOB}")


def train(environ: dict) -> str:
    """`recsvc train --wait`: create the model and follow its progress until it ends."""
    model = json.loads(recsvc(environ, "train", "--container", USAGE_CONTAINER, "--usage", USAGE_BLOB,
                              "--description", "MovieLens 100k demo", "-p", "enableUserToItemRecommendations=true",
                              "--wait", "--poll-seconds", "0.3", "--timeout", "600", "--json", capture=True))
    statistics = model["statistics"]
    say(f"model {model['id']}: trained on {statistics['numberOfUsers']} users and {statistics['numberOfUsageItems']} "
        f"items in {statistics['totalDuration']:.2f} s")
    return model["id"]


def show_recommendations(environ: dict, base_url: str, model_id: str):
    """`recsvc recommend`: item-to-item and personalized recommendations, with movie titles; then what to try."""
    titles = _movie_titles()
    environ = {**environ, "RECSVC_API_KEY": DEMO_KEYS["recommend_primary_key"]}
    similar = json.loads(recsvc(environ, "recommend", "--model", model_id, "--item", STAR_WARS, "-n", "5", "--json",
                                capture=True))
    say(f"people who watched {titles.get(STAR_WARS)} also watched:")
    for entry in similar:
        say(f"  {entry['score']:.4f}  {titles.get(entry['recommendedItemId'], entry['recommendedItemId'])}")
    personal = json.loads(recsvc(environ, "recommend", "--model", model_id, "--user", DEMO_USER, "-n", "5", "--json",
                                 capture=True))
    say(f"for user {DEMO_USER}, from their history:")
    for entry in personal:
        say(f"  {entry['score']:.4f}  {titles.get(entry['recommendedItemId'], entry['recommendedItemId'])}")
    key, admin_key = DEMO_KEYS["recommend_primary_key"], DEMO_KEYS["admin_primary_key"]
    say(f"dashboard: {base_url}/dashboard/ (admin key {admin_key})")
    say("try it yourself:")
    print(f"  export RECSVC_ENDPOINT={base_url} RECSVC_API_KEY={admin_key}")
    print("  recsvc models list")
    print(f"  recsvc models show {model_id}")
    print(f"  recsvc recommend --item {STAR_WARS} -n 5")
    print(f"  curl -s -H 'x-api-key: {key}' '{base_url}/api/models/{model_id}/recommend?itemId={STAR_WARS}&recommendationCount=5'")
    print(f"  curl -s -X POST -H 'x-api-key: {key}' -H 'Content-Type: application/json' "
          f"-d '[{{\"itemId\": \"{STAR_WARS}\", \"eventType\": \"Purchase\"}}]' '{base_url}/api/models/default/recommend'")
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
