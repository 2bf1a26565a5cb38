"""What parsing a set of files found: bad lines grouped by reason, and the tolerance for them."""
import time
from dataclasses import dataclass, field

import numpy as np

from .exceptions import TooManyParsingErrorsError
from .parsing_reasons import Reason, Severity

DEFAULT_MAX_ERRORS = 100
"""Training fails on the 101st bad line, as in the original service."""


@dataclass
class ParsingReport:
    """Lines grouped by reason (a parsing_reasons.Reason), each with a count and its first (file, line).

    ``errors`` holds the dropped lines (errors and the original's warnings), ``warnings`` the kept ones.
    """

    errors: dict = field(default_factory=dict)  # Reason -> [count, file, line]
    warnings: dict = field(default_factory=dict)  # Reason (Severity.KEPT) -> [count, file, line]
    successful_lines: int = 0
    total_lines: int = 0
    duration: float = 0.0
    empty_files: list = field(default_factory=list)
    """Files without a line of data (not part of the JSON report; for the failure message)."""
    _started: float = field(default_factory=time.perf_counter, repr=False)

    def add(self, reason: Reason, file: str, lines):
        """Count `lines` (1-based) of `file` for `reason`; the earliest one is the sample.

        Files are added in order, lines of one file in any order.
        """
        lines = np.asarray(lines)
        if lines.size == 0:
            return
        self.add_count(Reason(reason), int(lines.size), file, int(lines.min()))

    def add_count(self, reason: Reason, count: int, file: str, first_line: int):
        """Count `count` lines of `file` for `reason`, the earliest at `first_line`."""
        table = self.warnings if reason.severity is Severity.KEPT else self.errors
        entry = table.setdefault(reason, [0, file, first_line])
        entry[0] += count
        if entry[1] == file and first_line < entry[2]:
            entry[2] = first_line

    def error_count(self) -> int:
        """Number of bad lines that count against the tolerance (warnings excluded)."""
        return sum(count for reason, (count, _, _) in self.errors.items() if reason.counts_as_error)

    def main_error(self):
        """(reason, count, file, line) of the most frequent error (warnings only if nothing else), or None."""
        if not self.errors:
            return None
        reason, (count, file, line) = max(
            self.errors.items(), key=lambda entry: (entry[0].counts_as_error, entry[1][0]))
        return reason, count, file, line

    def stop_clock(self):
        """Record the time spent since the report was created."""
        self.duration = time.perf_counter() - self._started

    def describe_errors(self) -> str:
        """The errors, most frequent first: 'MissingFields (3 lines, first in a.csv line 7); ...'."""
        ranked = sorted(self.errors.items(), key=lambda entry: (not entry[0].counts_as_error, -entry[1][0]))
        return "; ".join(f"{reason} ({count} line{'s' * (count != 1)}, first in {file} line {line})"
                         for reason, (count, file, line) in ranked)

    def as_dict(self) -> dict:
        """The report in the service's JSON shape (design.md, 'Files'; parsing_reasons for the fields)."""
        return {
            "duration": round(self.duration, 6),
            "errors": [_entry({"error": reason.error} | ({"reason": reason.value} if reason != reason.error else {}),
                              *entry) for reason, entry in self.errors.items()],
            "warnings": [_entry({"reason": reason.value}, *entry) for reason, entry in self.warnings.items()],
            "successfulLinesCount": self.successful_lines,
            "totalLinesCount": self.total_lines,
        }


def _entry(names: dict, count: int, file: str, line: int) -> dict:
    return {**names, "count": count, "sample": {"file": file, "line": line}}


def check_tolerance(report: ParsingReport, max_errors: int, what: str):
    """:raise TooManyParsingErrorsError: (carrying the report) once more than `max_errors` lines are bad."""
    if report.error_count() > max_errors:
        report.stop_clock()
        raise TooManyParsingErrorsError(
            f"more than {max_errors} bad lines in the {what}: {report.describe_errors()}", report)
