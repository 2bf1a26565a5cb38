"""Usage CSV files -> event table plus a parsing report; bad lines are counted, not fatal.

Format, no header: ``userId,itemId[,timestamp[,eventType[,weight]]]``. Fields
are trimmed, blank lines skipped, CSV quoting honoured, UTF-8 with or without
BOM, CRLF or LF (see recommender.csv_reader). Files are parsed one at a time,
in chunks, with vectorised checks: no Python loop per line. Clean pieces of a file go through
pyarrow's multi-threaded reader (recommender.fast_usage); a piece it cannot vouch for is read by the
exact path (recommender.csv_reader and the checks below), so the report is the same either way.
"""
from dataclasses import dataclass
from typing import Callable, Iterable, Optional

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .csv_reader import FileTraits, RecordChunk, read_records
from .events import DEFAULT_EVENT_WEIGHTS
from .fast_usage import is_splittable, read_pieces
from .parsing_reasons import Reason
from .parsing_report import DEFAULT_MAX_ERRORS, ParsingReport, check_tolerance
from .timestamps import parse_timestamp_column, seconds_of

MAX_USER_ID_LENGTH = 255
MAX_ITEM_ID_LENGTH = 450
USAGE_CHUNK_ROWS = 250_000
"""Rows turned into fields at once: bounds the memory of the per-line strings."""

_FIELDS = 6  # userId, itemId, timestamp, eventType, weight, and one more to notice a line too long
_NON_PRINTABLE = r"[\x00-\x1f\x7f]"
_UNDECODABLE = "[\udc80-\udcff]"  # bytes that are not UTF-8, kept by csv_reader as lone surrogates
_WEIGHT_OF_LOWER_CASE_TYPE = {name.lower(): weight for name, weight in DEFAULT_EVENT_WEIGHTS.items()}

ProgressCallback = Callable[[str, int], None]
"""progress(file name, lines read so far in all files): called after each chunk; may raise to cancel."""


def parse_usage_files(files: Iterable, max_errors: int = DEFAULT_MAX_ERRORS, known_items: Optional[pd.Index] = None,
                      progress: Optional[ProgressCallback] = None, what: str = "usage files"):
    """Parse (name, bytes) usage files, in the order given, into one event table.

    `files` may be a generator: each file is read (and can be freed) before the next is asked for.
    With `known_items` (the catalog's ids), events of other items are dropped as UnknownItemId
    warnings. Returns (events, report); report.empty_files lists the files without a line.

    The id columns are categorical (categories in order of first appearance): 15M events need
    two int32 code arrays rather than 30M pointers to strings repeated in every chunk.

    :raise TooManyParsingErrorsError: (with the report) once more than `max_errors` lines are bad
    :raise UnreadableFileError: a file is not UTF-8 text that pandas can split into fields
    """
    report = ParsingReport()
    columns = _EventColumns()
    for name, content in files:
        lines_before = report.total_lines
        _parse_file(name, content, _FileParse(report, columns, known_items, max_errors, what, progress))
        if report.total_lines == lines_before:
            report.empty_files.append(name)
        del content  # let the file go before the generator fetches the next one: one raw copy at a time
    report.stop_clock()
    return columns.frame(), report


@dataclass(frozen=True)
class _FileParse:
    """Where the lines of a file go, and what is checked after each chunk."""

    report: ParsingReport
    columns: "_EventColumns"
    known_items: Optional[pd.Index]
    max_errors: int
    what: str
    progress: Optional[ProgressCallback]


def _parse_file(name: str, content, into: _FileParse):
    """Parse one file: clean pieces by the fast path, the rest (or the whole file) by the exact one."""
    if not is_splittable(content):
        _parse_exactly(name, content, 0, into)
        return
    for (start, stop, lines_before, _), piece in read_pieces(content, _weights, into.known_items):
        if piece is None:
            whole = start == 0 and stop == len(content)
            _parse_exactly(name, content if whole else bytes(memoryview(content)[start:stop]), lines_before, into)
            continue
        into.report.total_lines += piece.lines
        into.report.successful_lines += piece.lines
        into.columns.add(piece.users, piece.items, piece.timestamps, piece.weights)
        if into.progress is not None and piece.lines:
            into.progress(name, into.report.total_lines)


def _parse_exactly(name: str, content, lines_before: int, into: _FileParse):
    """The exact path on a file, or on a piece of one that starts after `lines_before` lines."""
    for chunk in read_records(name, content, _FIELDS, USAGE_CHUNK_ROWS):
        if lines_before:
            chunk.lines, chunk.malformed_lines = chunk.lines + lines_before, chunk.malformed_lines + lines_before
        into.columns.add(*_parse_chunk(name, chunk, into.report, into.known_items))
        check_tolerance(into.report, into.max_errors, into.what)
        if into.progress is not None and len(chunk.fields):
            into.progress(name, into.report.total_lines)


def describe_no_events(report: ParsingReport, what: str) -> str:
    """Why a parse produced nothing: empty files, or the most common error with file and line."""
    main = report.main_error()
    if main is None:
        empty = ", ".join(report.empty_files) or "no file"
        return f"the {what} hold no line of data ({empty}: empty)"
    return f"no valid line in the {what}: {report.describe_errors()}"


def given_fields(fields: pd.DataFrame) -> dict:
    """column -> bool array: is the field non-empty (a str's truth, twice as fast as comparing with "")."""
    return {column: fields[column].to_numpy(dtype=object).astype(bool) for column in fields.columns}


def too_long(column: pd.Series, limit: int, traits: FileTraits):
    """Fields longer than `limit` characters; skipped (False) when no line of the file is that long."""
    if traits.longest_field <= limit:
        return False
    return column.str.len().to_numpy() > limit


def illegal_characters(column: pd.Series, traits: FileTraits):
    """Fields holding a control character (NUL included); skipped (False) when the file has none."""
    if not traits.has_control_bytes:
        return False
    return column.str.contains(_NON_PRINTABLE, regex=True).to_numpy()


def undecodable(fields: pd.DataFrame, traits: FileTraits):
    """Rows with a byte that is not UTF-8 in any field; skipped (False) for an all-ASCII file."""
    if traits.is_ascii:
        return False
    return np.logical_or.reduce([fields[column].str.contains(_UNDECODABLE, regex=True).to_numpy()
                                 for column in fields.columns])


def apply_checks(name: str, chunk: RecordChunk, blank: np.ndarray, checks, report: ParsingReport) -> np.ndarray:
    """Run (reason, row mask) checks in order; a line fails on the first that hits it. Returns the good rows.

    Blank rows are neither good nor bad; every other row counts in report.total_lines.
    """
    report.total_lines += int((~blank).sum()) + len(chunk.malformed_lines)
    report.add(Reason.MALFORMED_LINE, name, chunk.malformed_lines)
    failed = blank.copy()
    for reason, check in checks:
        hit = np.asarray(check, dtype=bool) & ~failed
        report.add(reason, name, chunk.lines[hit])
        failed |= hit
    return ~failed


def _parse_chunk(name: str, chunk: RecordChunk, report: ParsingReport, known_items):
    """(user ids, item ids, timestamps, weights) of the chunk's good lines; the bad ones go to the report."""
    fields, traits = chunk.fields, chunk.traits
    users, items, stamps, types, weights = (fields[column] for column in range(5))
    given = given_fields(fields)
    timestamps = parse_timestamp_column(stamps, given[2])
    checks = [  # the first failing check names the line's error, in the original's order where it had one
        (Reason.MALFORMED_LINE, given[5]),
        (Reason.MISSING_FIELDS, ~given[0] | ~given[1]),
        (Reason.INVALID_UTF8, undecodable(fields, traits)),
        (Reason.BAD_TIMESTAMP_FORMAT, given[2] & np.isnat(timestamps)),
        (Reason.ITEM_ID_TOO_LONG, too_long(items, MAX_ITEM_ID_LENGTH, traits)),
        (Reason.USER_ID_TOO_LONG, too_long(users, MAX_USER_ID_LENGTH, traits)),
        (Reason.ILLEGAL_CHARACTERS_IN_USER_ID, illegal_characters(users, traits)),
        (Reason.ILLEGAL_CHARACTERS_IN_ITEM_ID, illegal_characters(items, traits)),
        # A warning, last: only lines that are otherwise fine are counted as unknown items.
        (Reason.UNKNOWN_ITEM_ID, ~items.isin(known_items) if known_items is not None else False),
    ]
    blank = ~np.logical_or.reduce(list(given.values()))
    good = apply_checks(name, chunk, blank, checks, report)
    report.successful_lines += int(good.sum())
    line_weights, warnings = _weights(types, weights, given[3], given[4])
    for reason, concerned in warnings.items():
        report.add(reason, name, chunk.lines[good & concerned])
    return (users.to_numpy(dtype=object)[good], items.to_numpy(dtype=object)[good], seconds_of(timestamps[good]),
            line_weights[good])


def _weights(types: pd.Series, weights: pd.Series, type_given: np.ndarray, weight_given: np.ndarray):
    """(each line's weight, {Reason: lines it concerns}): a finite explicit weight, else its event type's
    (in any case), else 1.

    The original never read these columns (every event weighed 1): a value we cannot use is a
    warning, and its line weighs 1, never an error.
    """
    result = np.ones(len(types))
    warnings = {}
    if type_given.any():  # most files have neither column: skip the conversions then
        defaults = types.map(DEFAULT_EVENT_WEIGHTS).to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
        other_case = np.isnan(defaults) & type_given
        if other_case.any():
            defaults[other_case] = types[other_case].str.lower().map(_WEIGHT_OF_LOWER_CASE_TYPE).to_numpy(
                dtype=np.float64, na_value=np.nan)
        warnings[Reason.UNKNOWN_EVENT_TYPE] = type_given & np.isnan(defaults)
        result = np.where(np.isnan(defaults), 1.0, defaults)
    if weight_given.any():
        numbers = pd.to_numeric(weights.where(weight_given), errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan)
        finite = np.isfinite(numbers)
        warnings[Reason.BAD_WEIGHT_FORMAT] = weight_given & ~finite
        result = np.where(finite, numbers, np.where(weight_given, 1.0, result))
    return result, warnings


class _EventColumns:
    """The events of successive chunks, made a frame at the end."""

    def __init__(self):
        self._ids = {"user_id": _IdColumn(), "item_id": _IdColumn()}
        self._numbers = {"timestamp": [], "weight": []}

    def add(self, users, items, timestamps, weights):
        """Append one chunk's good events; ids as Arrow strings or object arrays of str."""
        self._ids["user_id"].add(users)
        self._ids["item_id"].add(items)
        self._numbers["timestamp"].append(timestamps)
        self._numbers["weight"].append(weights)

    def frame(self) -> pd.DataFrame:
        """The event table; the chunks are let go column by column, so only one column is ever doubled."""
        # One column after the other: Arrow's dictionary_encode ran no faster on two threads (docs/benchmarks.md).
        data = {column: ids.categorical() for column, ids in self._ids.items()}
        for column, parts in self._numbers.items():
            data[column] = _concatenate_releasing(parts, np.float64)
        return pd.DataFrame(data, copy=False)


def _concatenate_releasing(parts: list, dtype) -> np.ndarray:
    """np.concatenate that empties `parts` as it copies: the result's pages are only touched as each
    part is copied and let go, so the column is not held twice at the end."""
    result = np.empty(sum(len(part) for part in parts), dtype=dtype)
    position = 0
    while parts:
        part = parts.pop(0)
        result[position:position + len(part)] = part
        position += len(part)
    return result


class _IdColumn:
    """One id column: each chunk's good ids as Arrow strings, encoded once at the end.

    Arrow's strings take a few bytes per id (no Python object per line), and one dictionary
    encoding of the whole column (compiled, first appearance first) gives the codes and the
    distinct ids, which alone become Python strings.
    """

    def __init__(self):
        self._parts = []

    def add(self, ids):
        """Append a chunk's ids: an Arrow string array (chunked or not), or an object array of str."""
        if isinstance(ids, pa.ChunkedArray):
            self._parts += ids.chunks
        else:
            self._parts.append(ids if isinstance(ids, pa.Array) else pa.array(ids, type=pa.string()))

    def categorical(self) -> pd.Categorical:
        """The column; the chunks are let go."""
        encoded = pc.dictionary_encode(pa.chunked_array(self._parts, type=pa.string()))
        self._parts = []
        if encoded.num_chunks == 0:
            return pd.Categorical.from_codes(np.empty(0, np.int32), categories=pd.Index([], dtype=object))
        codes = _concatenate_releasing([chunk.indices.to_numpy() for chunk in encoded.chunks], np.int32)
        distinct = encoded.chunks[-1].dictionary  # one dictionary for every chunk: the last one holds every id
        return pd.Categorical.from_codes(codes, categories=pd.Index(distinct.to_numpy(zero_copy_only=False),
                                                                    dtype=object))
