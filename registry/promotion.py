"""Promotion policies: does a newly completed model become the default? Pure: statistics in, a decision out.

A policy {"metric": "ndcgAt10", "tolerance": 0.01} promotes the new model when its metric (from its own
evaluation files) is no worse than the current default's by more than the tolerance. Every metric named here
is better when higher.
"""
import re
from typing import NamedTuple, Optional

RANKING_METRICS = {"precision": "precision", "recall": "recall", "ndcg": "ndcg", "map": "map"}
"""Policy name -> rankingMetrics field."""
RANKING_KS = (1, 2, 3, 4, 5, 10)
HIT_RATE_KS = (1, 2, 3, 4, 5)
"""k of hitRateAt{k}: the original's precisionMetrics percentage, as a fraction."""
METRICS = tuple([f"{name}At{k}" for name in RANKING_METRICS for k in RANKING_KS]
                + [f"hitRateAt{k}" for k in HIT_RATE_KS])
"""Every metric a policy may name."""
MAX_TOLERANCE = 1.0
_METRIC = re.compile(r"([a-zA-Z]+)At(\d+)")


class Decision(NamedTuple):
    """Whether to promote, and why, in words for the model's status message."""

    promote: bool
    reason: str


def metric_value(statistics: Optional[dict], metric: str) -> Optional[float]:
    """The metric from a model's statistics (evaluation.metrics), or None when it has no evaluation."""
    metrics = ((statistics or {}).get("evaluation") or {}).get("metrics")
    name, k = _METRIC.fullmatch(metric).groups()
    if not metrics:
        return None
    if name == "hitRate":
        rows = {row["k"]: row["percentage"] / 100 for row in metrics.get("precisionMetrics", [])}
    else:
        rows = {row["k"]: row[RANKING_METRICS[name]] for row in metrics.get("rankingMetrics", [])}
    return rows.get(int(k))


def decide(policy: dict, candidate: Optional[dict], default_id: Optional[str], default: Optional[dict]) -> Decision:
    """Promote the candidate (its statistics) over the default model (its id and statistics) under `policy`?"""
    metric, tolerance = policy["metric"], policy["tolerance"]
    value = metric_value(candidate, metric)
    if value is None:
        return Decision(False, f"not promoted: this model has no {metric} (its evaluation was skipped or failed)")
    if default_id is None:
        return Decision(True, f"promoted: no default model was set ({metric} {value:.4f})")
    baseline = metric_value(default, metric)
    if baseline is None:
        return Decision(False, f"not promoted: the default model {default_id} has no {metric} to compare with; "
                               "set the default by hand")
    comparison = f"{metric} {value:.4f} against {baseline:.4f} of the default model {default_id}, " \
                 f"tolerance {tolerance:g}"
    if value < baseline - tolerance:
        return Decision(False, f"not promoted: {comparison} (worse by more than the tolerance)")
    return Decision(True, f"promoted: {comparison}")
