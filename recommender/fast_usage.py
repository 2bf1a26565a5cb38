"""The fast path of usage parsing: clean pieces of a file read by pyarrow's compiled, multi-threaded CSV reader.

A file without quotes, byte order marks or lone carriage returns is cut at line ends into pieces of
about PIECE_BYTES (see `pieces`). `read_clean_piece` reads one piece into columns and runs the checks
of recommender.parsing on them, vectorised; it returns None for a piece it cannot vouch for: a line
any check would report (its reason, count and line come from the exact path), a non-ASCII or control
byte, a field count that is not the same on every line or above five, a blank edge, a timestamp that
is not `YYYY-MM-DDTHH:MM:SS`, an event type or weight that would draw a warning. The caller re-reads
such a piece by the exact path, so the parsing report is the same whichever path read a line.
"""
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Iterator, Optional

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

PIECE_BYTES = 16 << 20
"""Bytes read into columns at once (about 500k short lines); pyarrow splits them in blocks over the cores."""
PIECES_AHEAD = 2
"""Pieces read and checked at once, on threads (Arrow's and numpy's kernels release the GIL)."""
_BLOCK_BYTES = 4 << 20
"""pyarrow's unit of work per thread."""
_BYTE_ORDER_MARKS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
_ISO_TEMPLATE = np.frombuffer(b"0000-00-00T00:00:00", dtype=np.uint8)
_ISO_LIMITS = np.where(np.frombuffer(b"0000-00-00T00:00:00", dtype=np.uint8) == ord("0"), 9, 0).astype(np.uint8)
_ISO_SECOND = _ISO_TEMPLATE.size


@dataclass
class CleanPiece:
    """The columns of a piece whose every line is good; ids as Arrow strings."""

    lines: int
    users: pa.ChunkedArray
    items: pa.ChunkedArray
    timestamps: np.ndarray
    weights: np.ndarray


def is_splittable(content) -> bool:
    """Can the file be cut at any line end: no quote (a field may hold a newline), no BOM, no lone CR?"""
    return (not content.startswith(_BYTE_ORDER_MARKS) and content.find(b'"') < 0
            and (content.find(b"\r") < 0 or content.count(b"\r") == content.count(b"\r\n")))


def pieces(content, piece_bytes: Optional[int] = None) -> Iterator[tuple]:
    """(start, stop, lines before start, line ends within) of consecutive pieces, each ending at a line end.

    No piece starts with bytes a reader would take for a byte order mark.
    """
    piece_bytes = piece_bytes or PIECE_BYTES
    start, lines_before, size = 0, 0, len(content)
    while start < size:
        stop = content.find(b"\n", start + piece_bytes) + 1 if start + piece_bytes < size else size
        while 0 < stop < size and content.startswith(_BYTE_ORDER_MARKS, stop):
            stop = content.find(b"\n", stop) + 1
        stop = stop or size
        line_ends = content.count(b"\n", start, stop)
        yield start, stop, lines_before, line_ends
        lines_before += line_ends
        start = stop


def read_pieces(content, weights_of, known_items: Optional[pd.Index]) -> Iterator[tuple]:
    """(piece of `pieces`, its CleanPiece or None) in order; up to PIECES_AHEAD pieces are read at once."""
    with ThreadPoolExecutor(max_workers=PIECES_AHEAD, thread_name_prefix="usage-piece") as readers:
        coming = deque()
        try:
            for piece in pieces(content):
                coming.append((piece, readers.submit(read_clean_piece, content, piece, weights_of, known_items)))
                if len(coming) >= PIECES_AHEAD:
                    piece, read = coming.popleft()
                    yield piece, read.result()
            while coming:
                piece, read = coming.popleft()
                yield piece, read.result()
        finally:  # the caller stopped (too many errors): the pieces not begun are not read
            for _, read in coming:
                read.cancel()


def read_clean_piece(content, piece: tuple, weights_of, known_items: Optional[pd.Index]):
    """The piece (start, stop, _, line ends) of `pieces` as a CleanPiece, or None when the fast path cannot vouch for it.

    `weights_of(types, weights, type_given, weight_given)` is the parser's own (weights, warnings) rule,
    applied here to the distinct (type, weight) pairs only.
    """
    start, stop, _, line_ends = piece
    data = memoryview(content)[start:stop]
    width = _field_count(content, start, stop)
    if width is None or not _clean_bytes(content, start, stop, line_ends):
        return None
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(data),
            read_options=pa_csv.ReadOptions(column_names=[str(n) for n in range(width)], block_size=_BLOCK_BYTES),
            parse_options=pa_csv.ParseOptions(quote_char=False, ignore_empty_lines=True),
            convert_options=pa_csv.ConvertOptions(column_types={str(n): pa.string() for n in range(width)},
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowInvalid:  # a line with another number of fields
        return None
    columns = [table.column(n) for n in range(width)]
    if not (_lengths_within(columns[0], 255) and _lengths_within(columns[1], 450)):
        return None
    if known_items is not None and not pc.all(pc.is_in(columns[1], value_set=_strings(known_items))).as_py():
        return None
    timestamps = _iso_seconds(columns[2]) if width > 2 else np.full(table.num_rows, np.nan)
    weights = _weights(columns[3:], table.num_rows, weights_of)
    if timestamps is None or weights is None:
        return None
    return CleanPiece(table.num_rows, columns[0], columns[1], timestamps, weights)


def _field_count(content, start: int, stop: int) -> Optional[int]:
    """Fields on the piece's first line, if it is 2 to 5 (pyarrow then holds every line to it)."""
    end = content.find(b"\n", start, stop)
    first = content[start:end if end >= 0 else stop]
    width = first.count(b",") + 1
    return width if 2 <= width <= 5 else None


def _clean_bytes(content, start: int, stop: int, line_ends: int) -> bool:
    """ASCII without control bytes (CRLF aside) and without blanks: nothing to decode, flag or trim."""
    raw = np.frombuffer(content, dtype=np.uint8, count=stop - start, offset=start)
    if not raw.size or int(raw.max()) > 0x7E:
        return False
    controls = np.count_nonzero(raw < 0x21)  # spaces too: a blank next to a comma would be trimmed
    if controls == line_ends:
        return True
    return controls == line_ends + content.count(b"\r", start, stop)  # CRs only in CRLF: is_splittable


def _lengths_within(column: pa.ChunkedArray, max_length: int) -> bool:
    """Is every id given (not empty) and at most `max_length` characters (bytes: the piece is ASCII)?"""
    if len(column) == 0:
        return True
    lengths = pc.min_max(pc.binary_length(column)).as_py()
    return lengths["min"] > 0 and lengths["max"] <= max_length


def _strings(ids: pd.Index) -> pa.Array:
    return pa.array(ids.to_numpy(dtype=object), type=pa.string(), from_pandas=True)


def _iso_seconds(column: pa.ChunkedArray) -> Optional[np.ndarray]:
    """Float seconds of `YYYY-MM-DDTHH:MM:SS` (UTC) values, exactly as the exact path computes them; None otherwise."""
    parts = [_iso_array_seconds(chunk) for chunk in column.chunks]
    if any(part is None for part in parts):
        return None
    return np.concatenate(parts) if parts else np.empty(0)


def _iso_array_seconds(array: pa.StringArray) -> Optional[np.ndarray]:
    n = len(array)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32, count=n + 1, offset=array.offset * 4)
    if n == 0:
        return np.empty(0)
    if np.any(np.diff(offsets) != _ISO_SECOND):
        return None
    text = np.frombuffer(array.buffers()[2], dtype=np.uint8, count=n * _ISO_SECOND, offset=int(offsets[0]))
    # Each byte minus the template's: a digit gives 0..9, a separator 0, anything else more (uint8 wraps).
    values = text.reshape(n, _ISO_SECOND) - _ISO_TEMPLATE
    if np.any(values > _ISO_LIMITS):
        return None
    if not values[:, 0].all():  # years before 1000: left to the exact path
        return None
    try:  # numpy's ISO reader: a month, day, hour, minute or second out of range raises
        seconds = text.view(f"S{_ISO_SECOND}").astype("datetime64[s]")
    except ValueError:
        return None
    # Whole seconds: the exact path's microseconds / 1e6 give these floats bit for bit.
    return seconds.astype(np.int64).astype(np.float64)


def _weights(columns: list, n_rows: int, weights_of) -> Optional[np.ndarray]:
    """Each line's weight by the parser's rule on the distinct (type, weight) pairs; None if any draws a warning."""
    if not columns:
        return np.ones(n_rows)
    encoded = [pc.dictionary_encode(column).combine_chunks() for column in columns]
    codes = [part.indices.to_numpy(zero_copy_only=False).astype(np.int64) for part in encoded]
    values = [pd.Series(part.dictionary.to_numpy(zero_copy_only=False), dtype=object) for part in encoded]
    pair = codes[0] * len(values[1]) + codes[1] if len(codes) == 2 else codes[0]
    distinct, inverse = np.unique(pair, return_inverse=True)
    type_codes, weight_codes = (distinct // len(values[1]), distinct % len(values[1])) if len(codes) == 2 \
        else (distinct, None)
    types = values[0].iloc[type_codes].reset_index(drop=True)
    weights = values[1].iloc[weight_codes].reset_index(drop=True) if weight_codes is not None \
        else pd.Series([""] * len(distinct), dtype=object)
    result, warnings = weights_of(types, weights, types.to_numpy(dtype=object).astype(bool),
                                  weights.to_numpy(dtype=object).astype(bool))
    if any(np.any(concerned) for concerned in warnings.values()):
        return None
    return np.asarray(result, dtype=np.float64)[inverse]
