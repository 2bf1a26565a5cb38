"""A live service for a whole test module: gunicorn (and a worker while a model trains) on the session's Azurite."""
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from api_keys import ADMIN_KEY, KEYS
from usage_data import CLUSTERED_USAGE

from config.settings import Settings
from devtools.stack import ServiceProcess, service_environ, start_webapp, start_worker
from storage.clients import StorageClients

USAGE_PATH = "usage/events.csv"


@dataclass
class LiveStack:
    """The running web app, its storage, and a container holding CLUSTERED_USAGE at USAGE_PATH."""

    base_url: str
    environ: dict
    log_dir: Path
    webapp: ServiceProcess
    usage_container: str

    def train_model(self, timeout: float = 60.0, **parameters) -> str:
        """Create a model on the usage data and run a worker until it is Completed; returns its id."""
        created = requests.post(f"{self.base_url}/api/models", headers={"x-api-key": ADMIN_KEY}, timeout=10, json={
            "blobContainerName": self.usage_container, "usageRelativePath": USAGE_PATH, **parameters})
        assert created.status_code == 201, created.text
        model_id = created.json()["id"]
        worker = start_worker(self.environ, self.log_dir)
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                model = requests.get(f"{self.base_url}/api/models/{model_id}", headers={"x-api-key": ADMIN_KEY},
                                     timeout=5).json()
                if model["modelStatus"] == "Completed":
                    return model_id
                assert model["modelStatus"] != "Failed", model["modelStatusMessage"]
                time.sleep(0.1)
        finally:
            worker.stop()
        raise AssertionError(f"model {model_id} not trained within {timeout} s:\n{worker.log()[-2000:]}")

    def access_log_lines(self) -> int:
        """How many requests gunicorn has logged so far."""
        return sum(1 for line in self.webapp.log().splitlines() if '"' in line and " HTTP/1." in line)


@contextmanager
def live_stack(azurite, log_dir: Path, **settings):
    """Start the web app on storage names of its own; stop it and remove the storage afterwards."""
    suffix = uuid.uuid4().hex[:10]
    names = {"models_table": f"models{suffix}", "models_container": f"models-{suffix}",
             "train_queue": f"train-{suffix}", "delete_queue": f"delete-{suffix}"}
    environ = service_environ(azurite.connection_string, KEYS, queue_poll_seconds=0.1, **names, **settings)
    service_settings = Settings.from_environ(environ)
    storage = StorageClients.from_settings(service_settings)
    storage.ensure_resources(service_settings)
    usage = storage.blobs.create_container(f"usage-{suffix}")
    usage.upload_blob(USAGE_PATH, CLUSTERED_USAGE)
    webapp, base_url = start_webapp(environ, log_dir)
    try:
        yield LiveStack(base_url, environ, log_dir, webapp, usage.container_name)
    finally:
        webapp.stop()
        usage.delete_container()
        storage.tables.delete_table(names["models_table"])
        for queue in (names["train_queue"], names["delete_queue"]):
            storage.queues.delete_queue(queue)
        storage.blobs.delete_container(names["models_container"])
