"""Usage CSV files -> event table plus a parsing report; bad lines are counted, not fatal.

Format, no header: ``userId,itemId[,timestamp[,eventType[,weight]]]``. Fields
are trimmed, blank lines skipped, CSV quoting honoured, UTF-8 with or without
BOM. Parsing uses pandas' C reader: no Python loop per line.
"""
import io
import re
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .events import DEFAULT_EVENT_WEIGHTS, resolve_weights
from .exceptions import TooManyParsingErrorsError

MAX_USER_ID_LENGTH = 255
MAX_ITEM_ID_LENGTH = 450
DEFAULT_MAX_ERRORS = 100
"""Training fails on the 101st bad line, as in the original service."""

_COLUMNS = ["user_id", "item_id", "timestamp", "event_type", "weight", "extra"]
_SKIPPED_LINE = re.compile(r"Skipping line (\d+)")
_NON_PRINTABLE = r"[\x00-\x1f\x7f]"


@dataclass
class ParsingReport:
    """Bad lines grouped by reason, each with a count and its first (file, line)."""

    errors: dict = field(default_factory=dict)  # reason -> [count, file, line]
    successful_lines: int = 0
    total_lines: int = 0
    duration: float = 0.0

    def add(self, reason: str, file: str, lines: np.ndarray):
        """Count `lines` (1-based, ascending) of `file` as bad for `reason`."""
        if len(lines) == 0:
            return
        entry = self.errors.setdefault(reason, [0, file, int(lines[0])])
        entry[0] += len(lines)

    def error_count(self, warnings_excluded=("UnknownItemId", "DuplicateItemId")) -> int:
        """Number of bad lines that count against the tolerance."""
        return sum(count for reason, (count, _, _) in self.errors.items() if reason not in warnings_excluded)

    def main_error(self):
        """(reason, count, file, line) of the most frequent error, or None."""
        if not self.errors:
            return None
        reason, (count, file, line) = max(self.errors.items(), key=lambda entry: entry[1][0])
        return reason, count, file, line

    def as_dict(self) -> dict:
        """The report in the service's JSON shape (design.md, 'Files')."""
        return {
            "duration": round(self.duration, 6),
            "errors": [{"error": reason, "count": count, "sample": {"file": file, "line": line}}
                       for reason, (count, file, line) in self.errors.items()],
            "successfulLinesCount": self.successful_lines,
            "totalLinesCount": self.total_lines,
        }


def parse_usage_files(files, max_errors: int = DEFAULT_MAX_ERRORS):
    """Parse (name, bytes) usage files, in the order given, into one event table.

    Returns (events, report). Raises TooManyParsingErrorsError (with the report)
    once more than `max_errors` lines are bad.
    """
    started = time.perf_counter()
    report = ParsingReport()
    frames = []
    for name, content in files:
        frames.append(_parse_one(name, content, report))
        report.duration = time.perf_counter() - started
        if report.error_count() > max_errors:
            raise TooManyParsingErrorsError(_tolerance_message(report, max_errors), report)
    events = pd.concat(frames, ignore_index=True) if frames else _empty_events()
    return events, report


def _parse_one(name: str, content: bytes, report: ParsingReport) -> pd.DataFrame:
    rows, bad_lines = _read_rows(content)
    line_numbers = _line_numbers(len(rows), bad_lines)
    blank = (rows == "").all(axis=1).to_numpy()
    report.total_lines += int((~blank).sum()) + len(bad_lines)
    timestamps = pd.to_datetime(rows["timestamp"].where(rows["timestamp"] != ""), utc=True, format="ISO8601", errors="coerce")
    weights = pd.to_numeric(rows["weight"].where(rows["weight"] != ""), errors="coerce")
    checks = [  # first failing check names the line's error, in the original's order
        ("MalformedLine", rows["extra"] != ""),
        ("MissingFields", (rows["user_id"] == "") | (rows["item_id"] == "")),
        ("BadTimestampFormat", (rows["timestamp"] != "") & timestamps.isna()),
        ("ItemIdTooLong", rows["item_id"].str.len() > MAX_ITEM_ID_LENGTH),
        ("UserIdTooLong", rows["user_id"].str.len() > MAX_USER_ID_LENGTH),
        ("IllegalCharactersInUserId", rows["user_id"].str.contains(_NON_PRINTABLE)),
        ("IllegalCharactersInItemId", rows["item_id"].str.contains(_NON_PRINTABLE)),
        ("UnknownEventType", (rows["event_type"] != "") & ~rows["event_type"].isin(list(DEFAULT_EVENT_WEIGHTS))),
        ("BadWeightFormat", (rows["weight"] != "") & ~np.isfinite(weights.to_numpy(dtype=np.float64, na_value=np.nan))),
    ]
    failed = np.zeros(len(rows), dtype=bool) | blank
    for reason, mask in checks:
        hit = mask.to_numpy(dtype=bool) & ~failed
        found = line_numbers[hit]
        if reason == "MalformedLine":  # with the lines the reader skipped, so the first line is the first
            found = np.union1d(found, np.asarray(bad_lines, dtype=np.int64))
        report.add(reason, name, found)
        failed |= hit
    good = ~failed
    report.successful_lines += int(good.sum())
    kept = rows[good]
    # Microseconds: pandas 3 parses dates past 2262 at a coarser unit, and a cast to ns wraps them.
    seconds = timestamps[good].to_numpy(dtype="datetime64[us]").astype(np.int64) / 1e6
    seconds[timestamps[good].isna().to_numpy()] = np.nan
    return pd.DataFrame({
        "user_id": kept["user_id"].to_numpy(dtype=object),
        "item_id": kept["item_id"].to_numpy(dtype=object),
        "timestamp": seconds,
        "weight": resolve_weights(kept["event_type"].to_numpy(dtype=object), weights[good].to_numpy(dtype=np.float64, na_value=np.nan)),
    })


def _read_rows(content: bytes):
    """All physical lines as trimmed string fields, and the 1-based lines with too many fields."""
    if content.startswith(b"\xef\xbb\xbf"):
        content = content[3:]
    text = content.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    # A first row of exactly len(_COLUMNS) fields fixes the width: pandas takes surplus
    # fields on a long first line for an index and shifts every column of the file.
    text = "," * (len(_COLUMNS) - 1) + "\n" + text
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = pd.read_csv(
            io.StringIO(text), header=None, names=_COLUMNS, dtype=str, engine="c",
            skip_blank_lines=False, keep_default_na=False, na_filter=False, on_bad_lines="warn",
        )
    bad_lines = sorted(int(n) - 1 for w in caught for n in _SKIPPED_LINE.findall(str(w.message)))
    return rows.iloc[1:].reset_index(drop=True).apply(lambda column: column.str.strip()), bad_lines


def _line_numbers(row_count: int, bad_lines) -> np.ndarray:
    """1-based file line of each parsed row, given the lines the reader skipped."""
    all_lines = np.arange(1, row_count + len(bad_lines) + 1)
    return np.setdiff1d(all_lines, np.asarray(bad_lines, dtype=np.int64), assume_unique=True)


def _tolerance_message(report: ParsingReport, max_errors: int) -> str:
    reason, count, file, line = report.main_error()
    return (f"more than {max_errors} bad lines in the usage files; most common: {reason} "
            f"({count} lines, first in {file} line {line})")


def _empty_events() -> pd.DataFrame:
    return pd.DataFrame({"user_id": pd.Series(dtype=object), "item_id": pd.Series(dtype=object),
                         "timestamp": pd.Series(dtype=np.float64), "weight": pd.Series(dtype=np.float64)})
