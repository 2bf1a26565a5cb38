"""Statuses and reports in words: a model's (or a batch job's) status line, lineage and promotion, and warnings for
skipped bad lines."""
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
    return status_text(model["modelStatus"], DECISION.sub("", (model.get("modelStatusMessage") or "").strip()))


def status_text(status: str, message: str) -> str:
    """'Status: message', the message's own 'Status:' prefix dropped; the status alone without a message."""
    message = (message or "").strip()
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
        warnings.extend(report_warnings(what, report, ("errors",)))
    return warnings


def report_warnings(what: str, report, lists: tuple = ("errors", "warnings")) -> list:
    """A line per reason of a report's lists of {error or reason, count, sample}; none without a report."""
    lines = []
    for name in lists:
        for entry in (report.get(name) or []) if isinstance(report, dict) else []:
            count = entry.get("count", 0)
            sample = entry.get("sample") or {}
            where = f", first at {sample.get('file')} line {sample.get('line')}" if sample else ""
            reason = entry.get("error") or entry.get("reason")
            lines.append(f"{what}: {reason} on {count} line{'' if count == 1 else 's'}{where}")
    return lines


def _dig(value, path: tuple):
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value
