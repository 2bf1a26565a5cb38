"""infra/monitoring/ (issue 21): Prometheus's config and alert rules pass promtool, the compose profile mounts
them, and the Grafana dashboard is provisioned with the datasource its panels name. That every metric a panel
or rule names is one the service exports is checked on a live stack (tests/ops/test_live_ops.py)."""
import json
import re
import shutil
import subprocess

import pytest
import yaml
from monitoring_files import ALERTS, COMPOSE_FILE, DASHBOARD, MONITORING, named_metrics, panel_expressions, \
    rule_expressions

PROMETHEUS_OWN = {"up", "scrape_samples_scraped"}
"""Series Prometheus makes itself for every target; the rules name them beside the service's."""
REQUIRED_ALERTS = {"RecsvcDown", "RecsvcHigh5xxRatio", "RecsvcHighP99Latency", "RecsvcQueueMessageOld",
                   "RecsvcTrainingsFailing", "RecsvcStorageNotReady", "RecsvcMetricCardinality"}


def promtool(*arguments) -> subprocess.CompletedProcess:
    command = shutil.which("promtool")
    if command is None:
        pytest.fail("promtool is missing: `make install` installs Debian's prometheus package, which has it")
    return subprocess.run([command, *arguments], capture_output=True, text=True, timeout=60)


def test_promtool_accepts_the_prometheus_config():
    result = promtool("check", "config", str(MONITORING / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 rule files found" in result.stdout  # the alert rules are loaded, not silently missed


def test_promtool_accepts_the_alert_rules_and_every_required_alert_is_there():
    result = promtool("check", "rules", str(ALERTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert REQUIRED_ALERTS <= set(rule_expressions())


def test_prometheus_scrapes_both_ops_ports_of_the_compose_stack():
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    targets = {job["job_name"]: job["static_configs"][0]["targets"] for job in config["scrape_configs"]}
    assert targets == {"recsvc-webapp": ["webapp:9100"], "recsvc-worker": ["worker:9100"]}
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    assert "9100" in services["webapp"]["ports"][0] and services["worker"]["ports"][0].endswith(":9100")


def test_the_monitoring_profile_mounts_the_config_and_publishes_on_loopback_only():
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    prometheus, grafana = services["prometheus"], services["grafana"]
    assert prometheus["profiles"] == grafana["profiles"] == ["monitoring"]
    assert "./monitoring/alerts.yml:/etc/prometheus/alerts.yml:ro" in prometheus["volumes"]
    assert "./monitoring/grafana/provisioning:/etc/grafana/provisioning:ro" in grafana["volumes"]
    for service in (prometheus, grafana):
        assert all(port.startswith("127.0.0.1:") for port in service["ports"])
        for volume in service["volumes"]:
            source = volume.split(":")[0]
            assert not source.startswith("./") or (COMPOSE_FILE.parent / source).exists(), volume


def test_the_dashboard_has_the_panels_an_operator_needs_on_the_provisioned_datasource():
    datasource = yaml.safe_load((MONITORING / "grafana/provisioning/datasources/prometheus.yml").read_text())
    uid = datasource["datasources"][0]["uid"]
    dashboard = json.loads(DASHBOARD.read_text())
    assert {panel["datasource"]["uid"] for panel in dashboard["panels"]} == {uid}
    titles = " ".join(panel_expressions()).lower()
    for topic in ("traffic", "latency", "errors", "cache", "backfill", "trainings", "queue"):
        assert topic in titles, topic
    assert len({panel["id"] for panel in dashboard["panels"]}) == len(dashboard["panels"])


def test_rules_and_panels_name_only_the_service_metrics_or_prometheus_own():
    """Names outside recsvc_ must be Prometheus's own series; the recsvc_ ones are checked live."""
    expressions = list(rule_expressions().values())
    words = {word for expression in expressions for word in re.findall(r"\b([a-z_]+)\{", expression)}
    assert words - {name for name in words if name.startswith("recsvc_")} <= PROMETHEUS_OWN
    assert len(named_metrics()) >= 10
