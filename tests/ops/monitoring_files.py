"""What infra/monitoring/ holds, read for the tests: the alert rules' and the dashboard panels' expressions."""
import json
import re
from pathlib import Path

import yaml

MONITORING = Path(__file__).resolve().parents[2] / "infra" / "monitoring"
COMPOSE_FILE = MONITORING.parent / "docker-compose.yml"
DASHBOARD = MONITORING / "grafana" / "dashboards" / "recsvc.json"
ALERTS = MONITORING / "alerts.yml"
METRIC_NAME = re.compile(r"\brecsvc_[a-z0-9_]+\b")


def rule_expressions() -> dict:
    """{alert name: expression} of alerts.yml."""
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return {rule["alert"]: rule["expr"] for group in groups for rule in group["rules"]}


def panel_expressions() -> dict:
    """{panel title: [expression, ...]} of the Grafana dashboard."""
    return {panel["title"]: [target["expr"] for target in panel["targets"]]
            for panel in json.loads(DASHBOARD.read_text())["panels"]}


def named_metrics() -> set:
    """Every recsvc_ metric a rule or a panel reads."""
    expressions = list(rule_expressions().values()) + [e for exprs in panel_expressions().values() for e in exprs]
    return {name for expression in expressions for name in METRIC_NAME.findall(expression)}
