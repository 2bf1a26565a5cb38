"""Probes while storage is down (issue 9): a private Azurite is stopped under a running web app and worker,
then started again on the same ports and data."""
import time

import pytest
import requests

from devtools.azurite import Azurite, free_port
from config.settings import Settings
from devtools.stack import service_environ, start_webapp, start_worker
from observability.probes import StorageProbe
from storage.clients import StorageClients

KEYS = {"admin_primary_key": "outage-admin-key-71c3"}
PROBE_DEADLINE_SECONDS = 5.0
"""A probe must answer well within an orchestrator's timeout, storage up or down."""
CACHE_SECONDS = 1.0
"""READINESS_CACHE_SECONDS of these stacks: a probe may repeat an answer this old."""


@pytest.fixture
def outage_stack(tmp_path):
    ports = (free_port(), free_port(), free_port())
    azurite = Azurite(location=tmp_path / "azurite", ports=ports).start()
    environ = service_environ(azurite.connection_string, KEYS, queue_poll_seconds=0.1, retry_backoff_seconds=0.2,
                              max_retry_backoff_seconds=1, readiness_cache_seconds=CACHE_SECONDS)
    web_ops, worker_ops = free_port(), free_port()
    processes, stack = [], {"azurite": azurite}
    try:
        webapp, base_url = start_webapp({**environ, "METRICS_PORT": str(web_ops)}, tmp_path, workers=1)
        processes.append(webapp)
        processes.append(start_worker({**environ, "METRICS_PORT": str(worker_ops)}, tmp_path))
        stack.update(
            restart=lambda: Azurite(location=tmp_path / "azurite", ports=ports).start(),
            ready_urls=[f"{base_url}/health/ready", f"http://127.0.0.1:{web_ops}/health/ready",
                        f"http://127.0.0.1:{worker_ops}/health/ready"],
            live_urls=[f"{base_url}/health/live", f"http://127.0.0.1:{web_ops}/health/live",
                       f"http://127.0.0.1:{worker_ops}/health/live"],
            metrics_url=f"http://127.0.0.1:{web_ops}/metrics")
        yield stack
    finally:
        for process in processes:
            process.stop()
        stack["azurite"].stop()  # the one the test restarted, if it did


def probe(url: str) -> requests.Response:
    started = time.monotonic()
    response = requests.get(url, timeout=PROBE_DEADLINE_SECONDS)
    assert time.monotonic() - started < PROBE_DEADLINE_SECONDS
    return response


def wait_for(url: str, status: int, timeout: float = 30.0) -> requests.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = probe(url)
            if response.status_code == status or time.monotonic() > deadline:
                return response
        except requests.ConnectionError:  # the worker's ops port opens once its imports are done
            if time.monotonic() > deadline:
                raise
        time.sleep(0.1)


def test_ready_turns_503_while_storage_is_down_and_back_to_200_after(outage_stack):
    for url in outage_stack["ready_urls"]:
        assert wait_for(url, 200).json()["status"] == "ready", url

    outage_stack["azurite"].stop()
    for url in outage_stack["ready_urls"]:
        response = wait_for(url, 503, timeout=CACHE_SECONDS + PROBE_DEADLINE_SECONDS)
        assert response.status_code == 503, url
        report = response.json()
        assert report["status"] == "unavailable" and report["checks"]["settings"] == "ok"
        assert report["checks"]["table"] != "ok" and report["checks"]["trainQueue"] != "ok"
    for url in outage_stack["live_urls"]:
        assert probe(url).json() == {"status": "live"}, url  # alive: restarting would not bring storage back
    metrics = requests.get(outage_stack["metrics_url"], timeout=PROBE_DEADLINE_SECONDS).text
    assert "recsvc_storage_up 0.0" in metrics

    outage_stack["azurite"] = outage_stack["restart"]()
    for url in outage_stack["ready_urls"]:
        assert wait_for(url, 200).status_code == 200, url


def test_both_processes_start_while_storage_is_down_and_recover_without_a_restart(tmp_path):
    # Issue 19: create_app created the storage resources at boot, so the web app exited while storage was down.
    azurite = Azurite(location=tmp_path / "azurite", ports=(free_port(), free_port(), free_port()))  # not started
    environ = service_environ(azurite.connection_string, KEYS, queue_poll_seconds=0.1, retry_backoff_seconds=0.2,
                              max_retry_backoff_seconds=1, readiness_cache_seconds=CACHE_SECONDS)
    web_ops, worker_ops = free_port(), free_port()
    processes = []
    try:
        webapp, base_url = start_webapp({**environ, "METRICS_PORT": str(web_ops)}, tmp_path, workers=1)
        processes.append(webapp)
        worker = start_worker({**environ, "METRICS_PORT": str(worker_ops)}, tmp_path)
        processes.append(worker)
        hosts = [base_url, f"http://127.0.0.1:{web_ops}", f"http://127.0.0.1:{worker_ops}"]
        for host in hosts:
            assert wait_for(f"{host}/health/live", 200).json() == {"status": "live"}, host
            assert probe(f"{host}/health/ready").status_code == 503, host

        azurite.start()
        for host in hosts:
            assert wait_for(f"{host}/health/ready", 200).status_code == 200, host
        models = requests.get(f"{base_url}/api/models", headers={"x-api-key": KEYS["admin_primary_key"]},
                              timeout=PROBE_DEADLINE_SECONDS)
        assert (models.status_code, models.json()) == (200, [])  # the table was created once storage came
        assert worker.process.poll() is None and webapp.process.poll() is None
    finally:
        for process in processes:
            process.stop()
        azurite.stop()


def test_the_readiness_probe_repeats_its_answer_for_the_cache_time(tmp_path):
    azurite = Azurite(location=tmp_path / "azurite").start()
    try:
        settings = Settings.from_environ({"AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string,
                                          "READINESS_CACHE_SECONDS": "60"}, require_api_keys=False)
        StorageClients.from_settings(settings).ensure_resources(settings)
        now = [0.0]
        probe_of_storage = StorageProbe(settings, clock=lambda: now[0])
        first = probe_of_storage.check()
        assert first["status"] == "ready"
        azurite.stop()
        now[0] = 59.0
        assert probe_of_storage.check() == first  # no storage call: storage is down, the answer unchanged
        now[0] = 60.0
        assert probe_of_storage.check()["status"] == "unavailable"
    finally:
        azurite.stop()
