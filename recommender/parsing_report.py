"""What parsing a set of files found: bad lines grouped by reason, and the tolerance for them."""
import time
from dataclasses import dataclass, field

import numpy as np

from .exceptions import TooManyParsingErrorsError

DEFAULT_MAX_ERRORS = 100
"""Training fails on the 101st bad line, as in the original service."""

WARNING_REASONS = frozenset({"UnknownItemId", "DuplicateItemId"})
"""Reasons that drop a line but never count against the tolerance."""


@dataclass
class ParsingReport:
    """Bad lines grouped by reason, each with a count and its first (file, line)."""

    errors: dict = field(default_factory=dict)  # reason -> [count, file, line]
    successful_lines: int = 0
    total_lines: int = 0
    duration: float = 0.0
    empty_files: list = field(default_factory=list)
    """Files without a line of data (not part of the JSON report; for the failure message)."""
    _started: float = field(default_factory=time.perf_counter, repr=False)

    def add(self, reason: str, file: str, lines):
        """Count `lines` (1-based) of `file` as bad for `reason`; the earliest one is the sample.

        Files are added in order, lines of one file in any order.
        """
        lines = np.asarray(lines)
        if lines.size == 0:
            return
        first = int(lines.min())
        entry = self.errors.setdefault(reason, [0, file, first])
        entry[0] += int(lines.size)
        if entry[1] == file and first < entry[2]:
            entry[2] = first

    def error_count(self) -> int:
        """Number of bad lines that count against the tolerance (warnings excluded)."""
        return sum(count for reason, (count, _, _) in self.errors.items() if reason not in WARNING_REASONS)

    def main_error(self):
        """(reason, count, file, line) of the most frequent error (warnings only if nothing else), or None."""
        if not self.errors:
            return None
        reason, (count, file, line) = max(
            self.errors.items(), key=lambda entry: (entry[0] not in WARNING_REASONS, entry[1][0]))
        return reason, count, file, line

    def stop_clock(self):
        """Record the time spent since the report was created."""
        self.duration = time.perf_counter() - self._started

    def describe_errors(self) -> str:
        """The errors, most frequent first: 'MissingFields (3 lines, first in a.csv line 7); ...'."""
        ranked = sorted(self.errors.items(), key=lambda entry: (entry[0] in WARNING_REASONS, -entry[1][0]))
        return "; ".join(f"{reason} ({count} line{'s' * (count != 1)}, first in {file} line {line})"
                         for reason, (count, file, line) in ranked)

    def as_dict(self) -> dict:
        """The report in the service's JSON shape (design.md, 'Files')."""
        return {
            "duration": round(self.duration, 6),
            "errors": [{"error": reason, "count": count, "sample": {"file": file, "line": line}}
                       for reason, (count, file, line) in self.errors.items()],
            "successfulLinesCount": self.successful_lines,
            "totalLinesCount": self.total_lines,
        }


def check_tolerance(report: ParsingReport, max_errors: int, what: str):
    """:raise TooManyParsingErrorsError: (carrying the report) once more than `max_errors` lines are bad."""
    if report.error_count() > max_errors:
        report.stop_clock()
        raise TooManyParsingErrorsError(
            f"more than {max_errors} bad lines in the {what}: {report.describe_errors()}", report)
