"""Reading a headerless CSV file in chunks of trimmed text fields, each row with its physical line.

pandas' C reader does the work (no Python loop per line). The file's bytes are
read in place through a small reader object, never decoded or copied whole:
at any time the raw text exists once, plus the chunk being turned into fields.
What pandas leaves to us, and this module adds:

- line numbers: pandas counts records, so a quoted field holding a newline
  would shift every later line; each row's physical line is recomputed from
  the newlines inside the fields before it;
- undecodable bytes are kept as lone surrogates (U+DC80..U+DCFF), never
  replaced, and NUL bytes reach the fields as they are, so callers can
  flag those lines instead of training on altered ids;
- a line with more fields than expected is reported, not dropped in silence;
  an unterminated quote ends the file's readable part and is reported;
- UTF-8 with or without BOM, CRLF or LF; a UTF-16 or UTF-32 file is refused.
"""
import io
import re
import warnings
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import pandas as pd

from .exceptions import UnreadableFileError

_SKIPPED_RECORD = re.compile(r"Skipping line (\d+)")
_UNTERMINATED_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"
_SCAN_BLOCK = 1 << 24
_LINE_END = np.array([ord("\n")], dtype=np.uint8)
_FIELD_EDGES = np.frombuffer(b',\n\r"', dtype=np.uint8)


@dataclass(frozen=True)
class FileTraits:
    """What a scan of the raw bytes (C speed, no copy) tells about a file: which costly steps its fields need."""

    has_control_bytes: bool
    """Some byte is a control character (tab, NUL...) other than CR and LF: fields must be checked for them."""
    is_ascii: bool
    """No byte above 0x7f: no field can hold an undecodable byte."""
    has_edge_blanks: bool
    """Some field may start or end with whitespace that pandas left: fields must be trimmed."""
    has_quotes: bool
    """A field may be quoted, and so hold a newline."""
    longest_field: int
    """No field is longer than this many characters (the longest line's bytes, if nothing is quoted)."""

    @classmethod
    def of(cls, content: bytes, start: int = 0) -> "FileTraits":
        """Scan `content` from `start`, in blocks: no file-sized temporary array."""
        raw = np.frombuffer(content, dtype=np.uint8)[start:]
        below_space = sum(np.count_nonzero(raw[at:at + _SCAN_BLOCK] < 0x20) for at in range(0, raw.size, _SCAN_BLOCK))
        line_ends = content.count(b"\n", start) + content.count(b"\r", start)
        has_control_bytes = below_space > line_ends or content.find(b"\x7f", start) >= 0
        is_ascii = content.isascii()
        has_blanks = content.find(b" ", start) >= 0 or content.find(b"\t", start) >= 0
        has_quotes = content.find(b'"', start) >= 0
        return cls(
            has_control_bytes=has_control_bytes,
            is_ascii=is_ascii,
            # Control characters \x1c-\x1f and non-ASCII spaces (U+00A0...) are whitespace to str.strip() too.
            has_edge_blanks=has_control_bytes or not is_ascii or (has_blanks and _has_edge_blanks(raw)),
            has_quotes=has_quotes,
            longest_field=raw.size if has_quotes else _longest_line(raw),
        )


def _longest_line(raw: np.ndarray) -> int:
    """Bytes in the longest run between two line feeds (or the file's edges)."""
    longest, previous = 0, -1
    for at in range(0, raw.size, _SCAN_BLOCK):
        ends = np.flatnonzero(raw[at:at + _SCAN_BLOCK] == 0x0A) + at
        if ends.size:
            longest = max(longest, int(ends[0] - previous - 1), int(np.diff(ends).max(initial=1)) - 1)
            previous = int(ends[-1])
    return max(longest, raw.size - previous - 1)


def _has_edge_blanks(raw: np.ndarray) -> bool:
    """Is a space or tab next to a delimiter, a line end or a quote: something a trim would remove?"""
    for at in range(0, raw.size, _SCAN_BLOCK):
        before = raw[at - 1:at] if at else _LINE_END  # the block's neighbours, or a line end at the file's edges
        after = raw[at + _SCAN_BLOCK:at + _SCAN_BLOCK + 1] if at + _SCAN_BLOCK < raw.size else _LINE_END
        padded = np.concatenate([before, raw[at:at + _SCAN_BLOCK], after])
        blanks = np.flatnonzero((padded[1:-1] == 0x20) | (padded[1:-1] == 0x09)) + 1
        if np.isin(padded[blanks - 1], _FIELD_EDGES).any() or np.isin(padded[blanks + 1], _FIELD_EDGES).any():
            return True
    return False


@dataclass
class RecordChunk:
    """Consecutive records of one file.

    Attributes
    ----------
    traits : FileTraits of the whole file
    fields : DataFrame, one row per record pandas could split, one str column per expected field,
        whitespace-trimmed; missing fields are ""
    lines : int array, shape (len(fields),), 1-based physical line on which each row starts
    malformed_lines : int array, 1-based lines of records with too many fields, or the line where
        an unterminated quote starts (the rest of the file is then unreadable)
    """

    traits: FileTraits
    fields: pd.DataFrame
    lines: np.ndarray
    malformed_lines: np.ndarray


def read_records(name: str, content: bytes, n_fields: int, chunk_rows: int) -> Iterator[RecordChunk]:
    """Yield the records of one file in chunks of at most `chunk_rows` (>= 2) rows.

    :raise UnreadableFileError: the file is UTF-16/UTF-32, or pandas fails on it in an unforeseen way
    """
    if content.startswith(_UTF16_BOMS):
        raise UnreadableFileError(f"{name} is UTF-16 or UTF-32 encoded (it starts with such a byte order mark); "
                                  "save it as UTF-8")
    start = len(_UTF8_BOM) if content.startswith(_UTF8_BOM) else 0
    counter = _LineCounter(FileTraits.of(content, start))
    try:
        yield from _counted_chunks(counter, memoryview(content)[start:], n_fields, chunk_rows, rows_seen=0)
    except pd.errors.ParserError as error:
        if _UNTERMINATED_QUOTE.search(str(error)) is None:
            raise UnreadableFileError(f"{name} cannot be read as CSV: {error}") from None
        # Everything from the record that opens the quote to the end of the file is one string
        # to pandas: read again up to that record, and report the record as malformed.
        cut = _start_of_unterminated_record(content, start)
        try:
            yield from _counted_chunks(counter, memoryview(content)[start:cut], n_fields, chunk_rows,
                                       rows_seen=counter.rows_seen)
        except pd.errors.ParserError as again:
            raise UnreadableFileError(f"{name} cannot be read as CSV: {again}") from None
        line = content.count(b"\n", start, cut) + 1
        yield RecordChunk(counter.traits, _no_fields(n_fields), np.empty(0, np.int64), np.array([line], dtype=np.int64))


def _counted_chunks(counter, data: memoryview, n_fields, chunk_rows, rows_seen: int):
    """Chunks with their lines; the first `rows_seen` rows (and their skipped records) were yielded before."""
    seen = 0
    for fields, skipped in _pandas_chunks(data, n_fields, chunk_rows):
        fresh = fields.iloc[max(0, rows_seen - seen):]
        seen += len(fields)
        yield counter.chunk(fresh, skipped[skipped >= counter.next_record])


def _pandas_chunks(data: memoryview, n_fields, chunk_rows):
    """(fields, record numbers pandas skipped) per chunk, then a last chunk without rows.

    Records are numbered from 1 in file order, skipped ones included.
    """
    # A first row of exactly n_fields fields fixes the width: given a longer first line, pandas
    # would take the surplus fields for an index and shift every column of the file.
    source = _PrefixedReader(b"," * (n_fields - 1) + b"\n", data)
    reader = pd.read_csv(
        source, header=None, names=list(range(n_fields)), dtype=object, engine="c", encoding="utf-8",
        encoding_errors="surrogateescape", skip_blank_lines=False, keep_default_na=False, na_filter=False,
        skipinitialspace=True, on_bad_lines="warn", chunksize=chunk_rows,
    )
    first = True
    with warnings.catch_warnings(record=True) as caught, reader:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        for fields in reader:
            if first:
                fields, first = fields.iloc[1:], False
            yield fields, _skipped_records(caught)
        # Bad lines after the last good row are reported while pandas looks for more rows.
        yield _no_fields(n_fields), _skipped_records(caught)


def _skipped_records(caught: list) -> np.ndarray:
    # pandas numbers lines from 1 with our width row first: that is our record number plus one.
    numbers = [int(n) - 1 for w in caught for n in _SKIPPED_RECORD.findall(str(w.message))]
    caught.clear()
    return np.asarray(numbers, dtype=np.int64)


def _start_of_unterminated_record(content: bytes, start: int) -> int:
    """Offset just after the last newline outside quotes: where the record with the open quote begins."""
    raw = np.frombuffer(content, dtype=np.uint8)[start:]
    quotes, newlines = [], []
    for offset in range(0, raw.size, _SCAN_BLOCK):  # blocks: no file-sized temporary arrays
        block = raw[offset:offset + _SCAN_BLOCK]
        quotes.append(np.flatnonzero(block == ord('"')) + offset)
        newlines.append(np.flatnonzero(block == ord("\n")) + offset)
    quotes, newlines = np.concatenate(quotes), np.concatenate(newlines)
    outside = np.searchsorted(quotes, newlines) % 2 == 0  # an even number of quotes before it
    return start + int(newlines[outside][-1]) + 1 if outside.any() else start


def _no_fields(n_fields: int) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in range(n_fields)})


class _LineCounter:
    """Maps pandas' record numbers to physical lines across the chunks of one file."""

    def __init__(self, traits: FileTraits):
        self.traits = traits
        self.next_record = 1           # record number of the next row not yet seen
        self.rows_seen = 0
        self._extra_newlines = 0       # newlines inside quoted fields of the rows seen so far
        self._pending_skipped = np.empty(0, np.int64)

    def chunk(self, fields: pd.DataFrame, skipped: np.ndarray) -> RecordChunk:
        """The chunk with each row's line; fields are trimmed here, after their newlines are counted."""
        skipped = np.union1d(self._pending_skipped, skipped)
        n = len(fields)
        records = np.setdiff1d(np.arange(self.next_record, self.next_record + n + skipped.size), skipped,
                               assume_unique=True)[:n]
        end = records[-1] + 1 if n else np.iinfo(np.int64).max  # a chunk without rows ends the file
        self._pending_skipped = skipped[skipped >= end]
        skipped_here = skipped[skipped < end]
        newlines = self._embedded_newlines(fields)
        extra_before = self._extra_newlines + np.cumsum(newlines) - newlines
        total = self._extra_newlines + int(newlines.sum())
        # A skipped record sits after some of these rows: the newlines inside those shift it too.
        shift = np.append(extra_before, total)[np.searchsorted(records, skipped_here)]
        self._extra_newlines = total
        self.rows_seen += n
        if n:
            self.next_record = int(end)
        if n and self.traits.has_edge_blanks:
            fields = fields.apply(lambda column: column.str.strip())
        return RecordChunk(self.traits, fields.reset_index(drop=True), records + extra_before, skipped_here + shift)

    def _embedded_newlines(self, fields: pd.DataFrame) -> np.ndarray:
        if not self.traits.has_quotes or len(fields) == 0:
            return np.zeros(len(fields), dtype=np.int64)
        return sum(fields[column].str.count("\n").to_numpy(dtype=np.int64) for column in fields.columns)


class _PrefixedReader(io.RawIOBase):
    """A read-only stream of `prefix` then `data` (a memoryview): nothing is copied whole."""

    def __init__(self, prefix: bytes, data: memoryview):
        super().__init__()
        self._parts = [memoryview(prefix), data]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self._parts and len(self._parts[0]) == 0:
            self._parts.pop(0)
        if not self._parts:
            return 0
        part = self._parts[0]
        size = min(len(buffer), len(part))
        buffer[:size] = part[:size]
        self._parts[0] = part[size:]
        return size
