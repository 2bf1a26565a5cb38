"""Settings of running the service: checked at start with the variable's name, and all documented (issue 9)."""
import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest
import requests
from prometheus_client import CollectorRegistry

from config.settings import Settings, SettingsError
from devtools.azurite import free_port
from observability import healthcheck
from observability.ops_server import OpsServer, ops_app

REPO = Path(__file__).resolve().parents[2]
BASE = {"AZURE_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true", "ADMIN_PRIMARY_KEY": "k"}


@pytest.mark.parametrize("name, value, expected", [
    ("LOG_LEVEL", "verbose", "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'verbose'"),
    ("METRICS_PORT", "70000", "METRICS_PORT must be 0 (off) or a port up to 65535, got 70000"),
    ("METRICS_PORT", "nine", "METRICS_PORT must be a number, got 'nine'"),
    ("WEB_CONCURRENCY", "-1", "WEB_CONCURRENCY must be >= 0"),
    ("GUNICORN_THREADS", "0", "GUNICORN_THREADS must be positive"),
    ("MODEL_CACHE_SECONDS", "-5", "MODEL_CACHE_SECONDS must be positive"),
    ("TRAINING_THREADS", "-1", "TRAINING_THREADS must be >= 0 (0: one per core)"),
])
def test_a_bad_value_is_refused_with_the_variable_named(name, value, expected):
    with pytest.raises(SettingsError, match=re.escape(expected)):
        Settings.from_environ({**BASE, name: value})


def test_configuration_md_lists_every_setting():
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", (REPO / "docs" / "configuration.md").read_text(), re.M))
    assert {spec.name.upper() for spec in fields(Settings)} <= documented


def test_gunicorn_stops_at_start_naming_a_bad_setting():
    result = subprocess.run([sys.executable, "-m", "gunicorn", "--config", str(REPO / "gunicorn.conf.py"),
                             "webapp:create_app()"], cwd=REPO, capture_output=True, text=True, timeout=60,
                            env={**BASE, "LOG_LEVEL": "loud", "PATH": "/usr/bin:/bin"})
    assert result.returncode != 0
    assert "setting LOG_LEVEL must be one of" in result.stderr


def test_the_ops_port_refuses_a_port_in_use_with_a_clear_message():
    server = OpsServer("127.0.0.1", 0, ops_app(CollectorRegistry(), lambda: {"status": "ready"})).start()
    try:
        with pytest.raises(RuntimeError, match=f"cannot serve the ops port on 127.0.0.1:{server.port} "
                                               r"\(METRICS_HOST, METRICS_PORT\)"):
            OpsServer("127.0.0.1", server.port, ops_app(CollectorRegistry(), lambda: {}))
    finally:
        server.stop()


def set_environ(monkeypatch, **variables):
    for name, value in {**BASE, **variables}.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("status, exit_code", [("ready", 0), ("unavailable", 1)])
def test_the_image_healthcheck_follows_the_ops_port(monkeypatch, status, exit_code):
    server = OpsServer("127.0.0.1", 0, ops_app(CollectorRegistry(), lambda: {"status": status})).start()
    try:
        set_environ(monkeypatch, METRICS_PORT=str(server.port))
        assert healthcheck.main(["ready"]) == exit_code
        assert healthcheck.main(["live"]) == 0
        assert requests.get(f"http://127.0.0.1:{server.port}/nothing", timeout=5).status_code == 404
    finally:
        server.stop()


def test_the_image_healthcheck_fails_without_an_ops_port(monkeypatch):
    set_environ(monkeypatch, METRICS_PORT="0")
    assert healthcheck.main(["ready"]) == 1
    set_environ(monkeypatch, METRICS_PORT=str(free_port()))  # nothing listens there
    assert healthcheck.main(["ready"]) == 1
