"""A model's status in words: one status line, and warnings for the bad lines its training skipped."""

REPORTS = (("usage", ("usageEventsParsing",)), ("catalog", ("catalogParsing",)),
           ("evaluation usage", ("evaluation", "usageEventsParsing")))
"""Where the statistics keep their parsing reports (design.md), and what each one read."""


def status_line(model: dict) -> str:
    """'Failed: no valid usage event', not 'Failed: Failed: ...' when the message already names the status."""
    status, message = model["modelStatus"], (model.get("modelStatusMessage") or "").strip()
    if message.lower().startswith(status.lower() + ":"):
        message = message[len(status) + 1:].lstrip()
    return f"{status}: {message}" if message else status


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
