"""`make demo`: the whole service on a local Azurite with a model trained on MovieLens 100k.

Starts Azurite, the web app (gunicorn) and the worker, each with its ops port
(/metrics, /health/*), all on 127.0.0.1 only; fetches MovieLens 100k at run
time (its licence forbids shipping it); then does every step with the `recsvc`
CLI, as an operator would: uploads each user's earlier ratings as usage data,
their latest quarter as an evaluation file and the movie titles and genres as
the catalog, trains a model with user histories and follows its progress,
prints real recommendations; shows where everything is (dashboard with the
evaluation charts, Swagger UI, metrics, the storage connection string) and
commands to try, and runs until Ctrl-C.
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

from .azurite import REPO_ROOT, Azurite, free_port
from .front import nginx_binary
from .movielens import load_movies, load_ratings, split_by_time, write_catalog_csv, write_usage_csv
from .stack import service_environ, start_webapp, start_worker

DEMO_KEYS = {"admin_primary_key": "demo-admin-key-1", "admin_secondary_key": "demo-admin-key-2",
             "recommend_primary_key": "demo-recommend-key", "recommend_secondary_key": "demo-recommend-key-2"}
DEMO_DIR = REPO_ROOT / ".azurite" / "demo"
USAGE_CONTAINER, DATA_FOLDER = "demo-data", "movielens"
TRAIN_PATH, TEST_PATH, CATALOG_PATH = "movielens/train", "movielens/test", "movielens/catalog.csv"
"""Blob paths: training usage and evaluation usage are folders that do not overlap (the service checks it)."""
LOOPBACK = "127.0.0.1"
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
        environ, urls = start_service(azurite, started)
        cli_environ = {**environ, "RECSVC_ENDPOINT": urls["api"], "RECSVC_API_KEY": DEMO_KEYS["admin_primary_key"]}
        upload_movielens(cli_environ)
        model_id = train(cli_environ)
        show_recommendations(cli_environ, model_id)
        show_where_things_are(azurite, urls, model_id)
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


def start_service(azurite: Azurite, started: list) -> tuple:
    """gunicorn and the worker on loopback, each with an ops port of its own; returns (environ, URLs)."""
    port = 8000 if _port_free(8000) else free_port()
    web_ops, worker_ops = free_port(), free_port()
    environ = service_environ(azurite.connection_string, DEMO_KEYS, metrics_host=LOOPBACK, metrics_port=web_ops)
    # Behind the buffering front where Debian's nginx is installed (`make test` installs it); the demo needs no root.
    front = nginx_binary() is not None
    webapp, base_url = start_webapp(environ, DEMO_DIR / "logs", port=port, front=front)
    started.append(webapp)
    started.append(start_worker({**environ, "METRICS_PORT": str(worker_ops)}, DEMO_DIR / "logs"))
    how = "gunicorn behind nginx" if front else "gunicorn directly: nginx is not installed"
    say(f"web app at {base_url} ({how}), worker running; logs in {DEMO_DIR / 'logs'}")
    return environ, {"api": base_url, "web_ops": f"http://{LOOPBACK}:{web_ops}",
                     "worker_ops": f"http://{LOOPBACK}:{worker_ops}"}


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
    """Fetch MovieLens 100k; upload a training and a test split of its ratings and its movies as the catalog."""
    say("fetching MovieLens 100k (from the recbole 1.2.1 wheel on PyPI; cached in .cache/)")
    train_ratings, test_ratings = split_by_time(load_ratings())
    with tempfile.TemporaryDirectory() as local:
        folder = Path(local) / DATA_FOLDER
        for path, ratings in ((TRAIN_PATH, train_ratings), (TEST_PATH, test_ratings)):
            (Path(local) / path).mkdir(parents=True)
            write_usage_csv(ratings, Path(local) / path / "ratings.csv")
        movies = load_movies()
        write_catalog_csv(movies, Path(local) / CATALOG_PATH)
        recsvc(environ, "upload", str(folder), "--container", USAGE_CONTAINER, "--prefix", DATA_FOLDER)
    say(f"uploaded {len(train_ratings):,} training and {len(test_ratings):,} evaluation ratings (each user's latest "
        f"quarter) and the catalog of {len(movies):,} movies (genre as category) to {USAGE_CONTAINER}/{DATA_FOLDER}/")


def train(environ: dict) -> str:
    """`recsvc train --wait`: create the model and follow its progress until it ends."""
    model = json.loads(recsvc(environ, "train", "--container", USAGE_CONTAINER, "--usage", TRAIN_PATH,
                              "--catalog", CATALOG_PATH, "--evaluation-usage", TEST_PATH,
                              "--description", "MovieLens 100k demo", "-p", "enableUserToItemRecommendations=true",
                              "--wait", "--poll-seconds", "0.3", "--timeout", "600", "--json", capture=True))
    statistics = model["statistics"]
    say(f"model {model['id']}: trained on {statistics['numberOfUsers']} users and {statistics['numberOfUsageItems']} "
        f"items in {statistics['totalDuration']:.2f} s")
    evaluation = statistics.get("evaluation") or {}
    at_10 = {entry["k"]: entry for entry in evaluation.get("metrics", {}).get("rankingMetrics", [])}.get(10)
    if at_10:
        say("evaluated on each user's latest quarter: " + ", ".join(
            f"{name}@10 {at_10[name]:.3f}" for name in ("precision", "recall", "ndcg", "map")))
    return model["id"]


def show_recommendations(environ: dict, model_id: str):
    """`recsvc recommend`: item-to-item and personalized recommendations, with movie titles and genres."""
    movies = load_movies().set_index("itemID")
    environ = {**environ, "RECSVC_API_KEY": DEMO_KEYS["recommend_primary_key"]}
    for heading, argv in ((f"people who watched {movies.title.get(STAR_WARS)} also watched:", ("--item", STAR_WARS)),
                          (f"for user {DEMO_USER}, from their history:", ("--user", DEMO_USER))):
        answer = json.loads(recsvc(environ, "recommend", "--model", model_id, *argv, "-n", "5", "--json",
                                   capture=True))
        say(heading)
        for entry in answer:
            item = entry["recommendedItemId"]
            say(f"  {entry['score']:.4f}  {movies.title.get(item, item)} ({movies.genres.get(item, ['?'])[0]})")


def show_where_things_are(azurite: Azurite, urls: dict, model_id: str):
    """The addresses, keys and commands to explore the running demo with."""
    base_url, key, admin_key = urls["api"], DEMO_KEYS["recommend_primary_key"], DEMO_KEYS["admin_primary_key"]
    say(f"dashboard (the model's evaluation charts): {base_url}/dashboard/  (admin key {admin_key})")
    say(f"API docs (Swagger UI, no key to read):    {base_url}/api/docs")
    say(f"metrics: {urls['web_ops']}/metrics (web app), {urls['worker_ops']}/metrics (worker); "
        f"/health/ready on each")
    say(f"storage (Azurite, loopback only): AZURE_STORAGE_CONNECTION_STRING='{azurite.connection_string}'")
    say("try it yourself:")
    print(f"  export RECSVC_ENDPOINT={base_url} RECSVC_API_KEY={admin_key}")
    print("  recsvc models list")
    print(f"  recsvc models show {model_id}")
    print(f"  recsvc recommend --item {STAR_WARS} -n 5")
    recommend = f"{base_url}/api/models/{model_id}/recommend"
    print(f"  curl -s -H 'x-api-key: {key}' '{recommend}?itemId={STAR_WARS}&recommendationCount=5'")
    print(f"  curl -s -H 'x-api-key: {key}' '{recommend}?itemId={STAR_WARS}&recommendationCount=10&maxPerCategory=2'"
          "    # at most 2 of a genre")
    print(f"  curl -s -X POST -H 'x-api-key: {key}' -H 'Content-Type: application/json' "
          f"-d '[{{\"itemId\": \"{STAR_WARS}\", \"eventType\": \"Purchase\"}}]' '{base_url}/api/models/default/recommend'")
    print(f"  curl -s {urls['web_ops']}/metrics | grep ^recsvc_")
    sys.stdout.flush()


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def say(text: str):
    """One line of demo output."""
    print(f"[demo] {text}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
