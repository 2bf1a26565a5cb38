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
BASE = {"AZURE_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true", "ADMIN_PRIMARY_KEY": "a-test-admin-key-0001"}


@pytest.mark.parametrize("name, value, expected", [
    ("LOG_LEVEL", "verbose", "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'verbose'"),
    ("METRICS_PORT", "70000", "METRICS_PORT must be 0 (off) or a port up to 65535, got 70000"),
    ("METRICS_PORT", "nine", "METRICS_PORT must be a number, got 'nine'"),
    ("WEB_CONCURRENCY", "-1", "WEB_CONCURRENCY must be >= 0"),
    ("GUNICORN_THREADS", "0", "GUNICORN_THREADS must be positive"),
    ("MODEL_CACHE_SECONDS", "-5", "MODEL_CACHE_SECONDS must be positive"),
    ("MODEL_MAX_HEADER_BYTES", "0", "MODEL_MAX_HEADER_BYTES must be positive"),
    ("MODEL_FAILURE_SECONDS", "-1", "MODEL_FAILURE_SECONDS must be positive"),
    ("ADMIN_PRIMARY_KEY", "demo-admin-key", "ADMIN_PRIMARY_KEY must be at least 16 characters, got 14"),
    ("ADMIN_SECONDARY_KEY", "short", "ADMIN_SECONDARY_KEY must be at least 16 characters, got 5"),
    ("RECOMMEND_PRIMARY_KEY", "fifteen-chars-x", "RECOMMEND_PRIMARY_KEY must be at least 16 characters, got 15"),
    ("RECOMMEND_SECONDARY_KEY", "r" * 15, "RECOMMEND_SECONDARY_KEY must be at least 16 characters"),
    ("USAGE_CONTAINERS", "data,models", "USAGE_CONTAINERS must not name the service's own container 'models'"),
    ("METRICS_MODEL_IDS", "not-a-guid", "METRICS_MODEL_IDS must list model ids (GUIDs), got 'not-a-guid'"),
    ("METRICS_MODEL_IDS", ",".join(f"00000000-0000-4000-8000-0000000000{n:02d}" for n in range(11)),
     "METRICS_MODEL_IDS lists 11 models; at most 10"),
    ("TRAINING_THREADS", "-1", "TRAINING_THREADS must be >= 0 (0: one per core)"),
    ("QUEUE_POLL_SECONDS", "nan", "QUEUE_POLL_SECONDS must be a number, got 'nan'"),
    ("TRAINING_DEADLINE_SECONDS", "inf", "TRAINING_DEADLINE_SECONDS must be a number, got 'inf'"),
])
def test_a_bad_value_is_refused_with_the_variable_named(name, value, expected):
    with pytest.raises(SettingsError, match=re.escape(expected)):
        Settings.from_environ({**BASE, name: value})


def test_a_short_key_is_refused_without_being_written_out():
    with pytest.raises(SettingsError) as refused:
        Settings.from_environ({**BASE, "ADMIN_PRIMARY_KEY": "guessable-key"})
    assert "guessable-key" not in str(refused.value)
    assert Settings.from_environ({**BASE, "ADMIN_PRIMARY_KEY": "x" * 16}).api_keys("admin") == ["x" * 16]


def test_usage_containers_are_a_comma_separated_allow_list():
    assert Settings.from_environ(BASE).allowed_usage_containers is None
    settings = Settings.from_environ({**BASE, "USAGE_CONTAINERS": "shop-a, shop-b,", "MODELS_CONTAINER": "trained"})
    assert settings.allowed_usage_containers == {"shop-a", "shop-b"}
    assert settings.service_containers == {"trained"}


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
