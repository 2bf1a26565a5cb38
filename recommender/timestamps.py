"""Timestamps in every form the original service accepted: .NET DateTime.TryParse with the en-US culture.

The forms, tried as whole columns (never one Python call per value):

- ISO 8601 with or without an offset (none means UTC), fractional seconds, ``T`` or a space between
  date and time, ``-`` or ``/`` between the date's parts (``2017-01-31T13:00:00Z``,
  ``2017-01-31 13:00:00``, ``2017/01/31T13:00:00``), a date alone (``2017-01-31``);
- en-US, month first (``3/30/2017 1:34:12 PM``, ``3/30/2017 13:34``, ``3/30/2017 1:34 PM``,
  ``3/30/2017``), also with a 12-hour clock after an ISO date (``2017-01-31 1:34 PM``).

A value no form reads (``31/31/2017``, ``2017-13-01``, ``yesterday``) is NaT: the caller's
BadTimestampFormat (or 400). Two-digit years and month names are not read.
"""
from typing import Sequence

import numpy as np
import pandas as pd

ISO_8601 = "ISO8601"
OTHER_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
    "%m/%d/%Y %I:%M:%S.%f %p", "%m/%d/%Y %H:%M:%S.%f",
    "%Y-%m-%d %I:%M:%S %p", "%Y-%m-%d %I:%M %p", "%Y/%m/%d %I:%M:%S %p", "%Y/%m/%d %I:%M %p",
)
"""strptime formats (pandas' C parser) for what ISO 8601 does not cover; %m, %d, %H and %I take 1 or 2 digits."""
FORMATS = (ISO_8601, *OTHER_FORMATS)

_NOT_A_TIME = np.datetime64("NaT", "us")


def parse_timestamp_column(values: pd.Series, given: np.ndarray) -> np.ndarray:
    """datetime64[us] (UTC) of each value where `given` is True; NaT where not given or no form reads it.

    The first given value picks the form tried first on the whole column; the values it does not
    read go through the other forms in turn, each as one column (a file mixes few forms).
    """
    result = np.full(len(values), _NOT_A_TIME)
    pending = np.asarray(given, dtype=bool).copy()
    if not pending.any():
        return result
    for form in _forms_for(values.iloc[int(np.argmax(pending))]):
        if pending.all():  # the usual first pass: no copy of the column
            result = _parse_as(values, form)
            pending = np.isnat(result)
        else:
            at = np.flatnonzero(pending)
            parsed = _parse_as(values.iloc[at], form)
            result[at] = parsed
            pending[at[~np.isnat(parsed)]] = False
        if not pending.any():
            break
    return result


def parse_timestamps(texts: Sequence[str]) -> np.ndarray:
    """Float seconds since the Unix epoch (UTC) of each text, as the file parser reads it; NaN where none."""
    values = pd.Series(list(texts), dtype=object).str.strip()
    stamps = parse_timestamp_column(values, values.to_numpy(dtype=object).astype(bool))
    return seconds_of(stamps)


def parse_timestamp(text: str) -> float:
    """Float seconds since the Unix epoch (UTC) of one timestamp; raises ValueError naming a value no form reads."""
    seconds = parse_timestamps([text])[0]
    if np.isnan(seconds):
        raise ValueError(f"not a timestamp: {text!r} (e.g. 2017-03-30T13:34:12Z or 3/30/2017 1:34:12 PM)")
    return float(seconds)


def seconds_of(stamps: np.ndarray) -> np.ndarray:
    """Float seconds since the Unix epoch of datetime64[us] values; NaN for NaT."""
    seconds = stamps.astype(np.int64) / 1e6
    seconds[np.isnat(stamps)] = np.nan
    return seconds


def _forms_for(sample: str) -> tuple:
    """FORMATS with the first one that reads `sample` moved to the front (an unreadable sample keeps the order)."""
    for position, form in enumerate(FORMATS):
        if not np.isnat(_parse_as(pd.Series([sample], dtype=object), form)[0]):
            return (form, *FORMATS[:position], *FORMATS[position + 1:])
    return FORMATS


def _parse_as(values: pd.Series, form: str) -> np.ndarray:
    parsed = pd.to_datetime(values, utc=True, format=form, errors="coerce")
    # Microseconds: pandas 3 parses dates past 2262 at a coarser unit, and a cast to ns wraps them.
    return parsed.to_numpy(dtype="datetime64[us]")
