"""Reading what the user gives: JSON files (or stdin) and name=value command-line values."""
import json
import sys
from pathlib import Path

from .exceptions import UsageError


def read_json(path: str, kind: type, what: str):
    """A JSON file's value ('-' reads stdin), which must be of `kind`. :raise UsageError:"""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8-sig")
        value = json.loads(text)
    except OSError as error:
        raise UsageError(f"{path}: {error.strerror}") from None
    except ValueError as error:
        raise UsageError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(value, kind):
        raise UsageError(f"{path} must hold {what}")
    return value


def parse_value(raw: str):
    """'true' -> True, '3' -> 3, 'null' -> None; anything else stays a string ('Jaccard', '"3"' -> '3')."""
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return value if isinstance(value, (bool, int, float, str, type(None))) else raw
