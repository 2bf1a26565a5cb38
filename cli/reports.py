"""A model's status in words: one status line, its lineage and promotion, and warnings for skipped bad lines."""
import re
from typing import Optional

REPORTS = (("usage", ("usageEventsParsing",)), ("catalog", ("catalogParsing",)),
           ("evaluation usage", ("evaluation", "usageEventsParsing")))
"""Where the statistics keep their parsing reports (design.md), and what each one read."""
DECISION = re.compile(r";\s*((?:not )?promoted: .*)$", re.S)
"""The worker ends a model's message with its promotion decision: '...; not promoted: ndcgAt10 ...'."""


def status_line(model: dict) -> str:
    """'Failed: no valid usage event', not 'Failed: Failed: ...' when the message already names the status;
    without the promotion decision (promotion_decision has it)."""
    status, message = model["modelStatus"], DECISION.sub("", (model.get("modelStatusMessage") or "").strip())
    if message.lower().startswith(status.lower() + ":"):
        message = message[len(status) + 1:].lstrip()
    return f"{status}: {message}" if message else status


def promotion_decision(model: dict) -> Optional[str]:
    """'promoted: ...' or 'not promoted: ...' once a model with a promotion policy completed, else None."""
    match = DECISION.search(model.get("modelStatusMessage") or "")
    return match.group(1) if match else None


def lineage_lines(model: dict) -> list:
    """The model's parent, and its promotion decision (or the policy that will decide), when it has them."""
    lines = [f"retrain of model {model['parentModelId']}"] if model.get("parentModelId") else []
    decision, policy = promotion_decision(model), model.get("promotionPolicy")
    if decision:
        lines.append(f"promotion: {decision}")
    elif policy:
        lines.append(f"promotion policy: {policy_text(policy)} (decides when the training completes)")
    return lines


def policy_text(policy: dict) -> str:
    """{'metric': 'ndcgAt10', 'tolerance': 0.01} -> 'ndcgAt10, tolerance 0.01'."""
    return f"{policy['metric']}, tolerance {policy.get('tolerance', 0):g}"


def parsing_warnings(statistics) -> list:
    """'usage: MalformedLine on 2 lines, first at usage/a.csv line 7' for each reason of each parsing report."""
    warnings = []
    for what, path in REPORTS:
        report = _dig(statistics or {}, path)
        for error in (report.get("errors") or []) if isinstance(report, dict) else []:
            count = error.get("count", 0)
            sample = error.get("sample") or {}
            where = f", first at {sample.get('file')} line {sample.get('line')}" if sample else ""
            warnings.append(f"{what}: {error.get('error')} on {count} line{'' if count == 1 else 's'}{where}")
    return warnings


def _dig(value, path: tuple):
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value
