"""A deleted model stops being served by every gunicorn worker within REGISTRY_CACHE_SECONDS."""
import time

import requests

from api_keys import KEYS
from devtools.stack import service_environ, start_webapp, start_worker
from test_service import ADMIN, RECOMMEND, wait_for_status
from usage_data import CLUSTERED_USAGE

REGISTRY_CACHE_SECONDS = 1.5
REQUESTS_PER_CHECK = 24
"""Enough requests on fresh connections that both gunicorn workers answer some (the kernel spreads accepts)."""


def recommend_statuses(base_url: str, model_id: str) -> list:
    """Status codes of REQUESTS_PER_CHECK item-to-item requests, each on a new connection."""
    return [requests.get(f"{base_url}/api/models/{model_id}/recommend", params={"itemId": "a1"},
                         headers={**RECOMMEND, "Connection": "close"}, timeout=10).status_code
            for _ in range(REQUESTS_PER_CHECK)]


def test_delete_reaches_every_web_worker_within_the_registry_cache_time(azurite, storage_names, tmp_path,
                                                                         usage_container):
    environ = service_environ(azurite.connection_string, KEYS, queue_poll_seconds=0.1,
                              registry_cache_seconds=REGISTRY_CACHE_SECONDS, **storage_names)
    webapp, base_url = start_webapp(environ, tmp_path, workers=2)
    worker = start_worker(environ, tmp_path)
    try:
        usage_container.upload_blob("u.csv", CLUSTERED_USAGE)
        model_id = requests.post(f"{base_url}/api/models", headers=ADMIN, timeout=10, json={
            "blobContainerName": usage_container.container_name, "usageRelativePath": "u.csv"}).json()["id"]
        assert wait_for_status(base_url, model_id)["modelStatus"] == "Completed"
        statuses = recommend_statuses(base_url, model_id)
        assert set(statuses) == {200}  # every worker has the record and the model cached now

        deleted_at = time.monotonic()
        assert requests.delete(f"{base_url}/api/models/{model_id}", headers=ADMIN, timeout=10).status_code == 202
        time.sleep(max(0.0, REGISTRY_CACHE_SECONDS + 0.2 - (time.monotonic() - deleted_at)))
        statuses = recommend_statuses(base_url, model_id)
        assert set(statuses) == {404}
    finally:
        worker.stop()
        webapp.stop()
