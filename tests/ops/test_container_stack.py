"""The image and the compose stack (issue 9).

The compose file is always validated (`docker compose config`, or Debian's docker-compose, which
`make install` provides) and checked against the rules it must keep; the Dockerfile's rules are read
from it. Building the image and running the stack needs a Docker engine: that test is skipped, saying
why, where there is none. PYTHON_IMAGE and AZURITE_IMAGE name mirrors of the two base images where
Docker Hub or MCR cannot be reached (infra/offline-images.sh builds stand-ins from Debian packages).
"""
import json
import re
import os
import re
import shutil
import subprocess
import time
import uuid
from dataclasses import fields
from pathlib import Path

import pytest
import requests
import yaml
from azure.storage.blob import BlobServiceClient
from usage_data import CLUSTERED_USAGE

from config.settings import Settings
from devtools.azurite import ACCOUNT, ACCOUNT_KEY, free_port

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "infra" / "docker-compose.yml"
SETTING_NAMES = {spec.name.upper() for spec in fields(Settings)}
IMAGE = "recsvc:test"
STACK_TIMEOUT_SECONDS = 120


def compose_command():
    """`docker compose` where the plugin is installed, else Debian's `docker-compose`, else None."""
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


def test_compose_validates_the_compose_file():
    command = compose_command()
    if command is None:
        pytest.fail("neither `docker compose` nor `docker-compose` is installed: `make install` installs Debian's "
                    "docker-compose (apt-get install docker-compose)")
    result = subprocess.run([*command, "-f", str(COMPOSE_FILE), "config"], capture_output=True, text=True,
                            timeout=60, env={**os.environ, "ADMIN_PRIMARY_KEY": "k1-from-env"})
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)
    # The monitoring profile's services start only with `--profile monitoring` (issue 21).
    by_profile = {name: tuple(service.get("profiles", ())) for name, service in resolved["services"].items()}
    assert {name for name, profiles in by_profile.items() if not profiles} == {"azurite", "webapp", "worker", "front"}
    assert {name for name, profiles in by_profile.items() if profiles == ("monitoring",)} == {"prometheus", "grafana"}
    assert resolved["services"]["webapp"]["environment"]["ADMIN_PRIMARY_KEY"] == "k1-from-env"


def test_the_compose_file_keeps_to_the_rules():
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    for name, service in services.items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond this host"
    assert "--disableTelemetry" in services["azurite"]["command"]
    webapp, worker = services["webapp"], services["worker"]
    assert webapp["image"] == worker["image"] and webapp["build"] == worker["build"]  # one image, two roles
    assert worker["command"] == ["python", "-m", "webjob"] and "command" not in webapp
    for service in (webapp, worker):
        assert set(service["environment"]) <= SETTING_NAMES
        assert service["depends_on"]["azurite"]["condition"] == "service_healthy"
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
    assert "demo-admin-key-1" in webapp["environment"]["ADMIN_PRIMARY_KEY"]
    # gunicorn is reached only through the buffering front (issue 19): its API port is not published.
    assert not any(port.endswith(":8000") for port in webapp["ports"])
    assert services["front"]["environment"]["RECSVC_UPSTREAM"] == "webapp:8000"
    assert any(port.endswith(":8000") for port in services["front"]["ports"])


def test_the_dockerfile_keeps_to_the_rules():
    lines = [line.strip() for line in (REPO / "Dockerfile").read_text().splitlines()]
    stages = [line for line in lines if line.startswith("FROM ")]
    assert len(stages) == 2 and stages[0].endswith(" AS build") and stages[1] == "FROM ${PYTHON_IMAGE}"
    base = next(line for line in lines if line.startswith("ARG PYTHON_IMAGE="))
    assert re.fullmatch(r"ARG PYTHON_IMAGE=python:3\.11[.\w-]*-slim[\w-]*@sha256:[0-9a-f]{64}", base)  # pinned
    assert any(line.startswith("RUN /opt/venv/bin/pip install --require-hashes") for line in lines)  # the lock
    final = lines[lines.index(stages[1]):]
    assert any(line.startswith("LABEL org.opencontainers.image.") for line in final)
    assert "COPY --from=build /opt/venv /opt/venv" in final
    assert not any(line.startswith("COPY . ") for line in final)  # only the venv and gunicorn.conf.py
    user = next(line for line in final if line.startswith("USER "))
    assert user.split()[1].split(":")[0] not in ("0", "root")
    assert any(line.startswith("HEALTHCHECK ") for line in final)
    assert final[-1] == 'CMD ["gunicorn", "webapp:create_app()"]'
    ignored = set((REPO / ".dockerignore").read_text().splitlines())
    assert {"tests", "bench", "devtools", ".venv", "node_modules", ".git"} <= ignored


def docker_engine_or_skip():
    if shutil.which("docker") is None:
        pytest.skip("docker is not installed: the image is not built here (the compose file was still validated)")
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=30)
    if info.returncode != 0:
        pytest.skip("no Docker engine answers (`docker info` failed): the image is not built here "
                    "(the compose file was still validated)")
    if compose_command() is None:
        pytest.fail("a Docker engine runs but neither `docker compose` nor `docker-compose` is installed")


def base_image_or_skip(variable: str, default: str) -> str:
    image = os.environ.get(variable, default)
    if subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode == 0:
        return image
    pulled = subprocess.run(["docker", "pull", image], capture_output=True, text=True, timeout=300)
    if pulled.returncode != 0:
        pytest.skip(f"the base image {image} cannot be pulled ({pulled.stderr.strip()[-200:]}); set {variable} to a "
                    "mirror (infra/offline-images.sh builds one from Debian packages)")
    return image


def run(command: list, timeout: float, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture
def compose_stack():
    """The image built from the repository, and infra/docker-compose.yml up with it on free loopback ports."""
    docker_engine_or_skip()
    python_image = base_image_or_skip("PYTHON_IMAGE", "python:3.11-slim")
    azurite_image = base_image_or_skip("AZURITE_IMAGE", "mcr.microsoft.com/azure-storage/azurite:3.37.0")
    run(["docker", "build", "--quiet", "--build-arg", f"PYTHON_IMAGE={python_image}", "-t", IMAGE, str(REPO)], 900)
    ports = {name: free_port() for name in ("RECSVC_API_PORT", "RECSVC_WEBAPP_OPS_PORT", "RECSVC_WORKER_OPS_PORT",
                                            "AZURITE_BLOB_PORT", "AZURITE_QUEUE_PORT", "AZURITE_TABLE_PORT")}
    keys = {"ADMIN_PRIMARY_KEY": f"admin-{uuid.uuid4().hex}", "RECOMMEND_PRIMARY_KEY": f"reco-{uuid.uuid4().hex}"}
    environ = {**os.environ, **{name: str(port) for name, port in ports.items()}, **keys,
               "RECSVC_IMAGE": IMAGE, "PYTHON_IMAGE": python_image, "AZURITE_IMAGE": azurite_image}
    compose = [*compose_command(), "-f", str(COMPOSE_FILE), "-p", f"recsvctest{uuid.uuid4().hex[:8]}"]
    try:
        run([*compose, "up", "--detach", "--no-build"], STACK_TIMEOUT_SECONDS, env=environ)
        yield {"compose": compose, "environ": environ, "ports": ports, "keys": keys}
    finally:
        subprocess.run([*compose, "down", "--volumes", "--timeout", "10"], capture_output=True, env=environ,
                       timeout=STACK_TIMEOUT_SECONDS)


def wait_ready(url: str) -> dict:
    deadline = time.monotonic() + STACK_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            response = requests.get(url, timeout=5)
            if response.status_code == 200:
                return response.json()
        except requests.RequestException:  # docker's port proxy may accept before the service listens
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} not ready within {STACK_TIMEOUT_SECONDS} s")


def test_the_image_builds_and_the_compose_stack_trains_and_answers(compose_stack):
    checks = run(["docker", "run", "--rm", "--entrypoint", "sh", IMAGE, "-c",
                  "id -u; command -v gcc cc make || true; python -c 'import tests' 2>&1 || true; "
                  "python -c 'import devtools' 2>&1 || true; ls /app"], 60).stdout.splitlines()
    assert checks[0] != "0"  # not root
    assert not any(line.startswith("/") for line in checks[1:-1]), checks  # no compiler or make
    assert sum("ModuleNotFoundError" in line for line in checks) == 2, checks  # no tests, no dev tools
    assert checks[-1] == "gunicorn.conf.py"

    ports, keys = compose_stack["ports"], compose_stack["keys"]
    api = f"http://127.0.0.1:{ports['RECSVC_API_PORT']}"
    assert wait_ready(f"{api}/health/ready")["status"] == "ready"
    wait_ready(f"http://127.0.0.1:{ports['RECSVC_WORKER_OPS_PORT']}/health/ready")
    blobs = BlobServiceClient.from_connection_string(
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
        f"BlobEndpoint=http://127.0.0.1:{ports['AZURITE_BLOB_PORT']}/{ACCOUNT};")
    blobs.create_container("usage").upload_blob("events.csv", CLUSTERED_USAGE)
    admin, recommend = {"x-api-key": keys["ADMIN_PRIMARY_KEY"]}, {"x-api-key": keys["RECOMMEND_PRIMARY_KEY"]}
    created = requests.post(f"{api}/api/models", headers=admin, timeout=10,
                            json={"blobContainerName": "usage", "usageRelativePath": "events.csv"})
    assert created.status_code == 201, created.text
    model_url = f"{api}/api/models/{created.json()['id']}"
    deadline = time.monotonic() + 60
    while requests.get(model_url, headers=admin, timeout=10).json()["modelStatus"] != "Completed":
        assert time.monotonic() < deadline, "the model was not trained within 60 s"
        time.sleep(0.3)
    similar = requests.get(f"{model_url}/recommend", params={"itemId": "a1"}, headers=recommend, timeout=10)
    assert [r["recommendedItemId"] for r in similar.json()[:2]] == ["a2", "a3"]

    web_metrics = requests.get(f"http://127.0.0.1:{ports['RECSVC_WEBAPP_OPS_PORT']}/metrics", timeout=10).text
    assert re.search(r'recsvc_recommendations_served_total\{kind="item_to_item",[^}]*\} 1\.0', web_metrics)
    worker_metrics = requests.get(f"http://127.0.0.1:{ports['RECSVC_WORKER_OPS_PORT']}/metrics", timeout=10).text
    assert 'recsvc_trainings_total{outcome="completed"} 1.0' in worker_metrics
    for service in ("webapp", "worker"):  # the image's HEALTHCHECK command, run as Docker runs it
        container = run([*compose_stack["compose"], "ps", "-q", service], 30,
                        env=compose_stack["environ"]).stdout.strip()
        health = run(["docker", "exec", container, "python", "-m", "observability.healthcheck", "ready"], 30).stdout
        assert json.loads(health)["status"] == "ready"
    logs = run([*compose_stack["compose"], "logs", "--no-color", "webapp", "worker"], 60,
               env=compose_stack["environ"]).stdout
    assert '"route": "/api/models/<model_id:model_id>/recommend"' in logs
    assert not any(key in logs for key in keys.values())
