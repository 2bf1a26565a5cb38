"""Bounded label values: whatever a client sends, a metric's series stay a set the code knows (issue 19).

A label value that came from a request (its method, a model id) or from data (a parsing reason read off a
report) goes through one of these first; what falls outside folds into OTHER.
"""
import threading
from typing import Iterable, Optional

OTHER = "other"
"""The one value every unknown method, unlisted model id or label past a bound folds into."""
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
"""Methods kept as they are in the `method` label; any other word a client sends is OTHER."""
DEFAULT_MODEL = "default"
"""The `model` label of the requests made through a /default route."""


def method_label(method: str) -> str:
    """The request's method, or OTHER for a word that is not a standard HTTP method."""
    return method if method in HTTP_METHODS else OTHER


def model_label(model_id: Optional[str], listed: frozenset) -> str:
    """DEFAULT_MODEL for a /default route (no model id in the path), the id when it is listed, else OTHER."""
    if model_id is None:
        return DEFAULT_MODEL
    return model_id if model_id in listed else OTHER


class BoundedLabel:
    """Admits the first `limit` distinct values it is given, and folds every later new one into OTHER.

    For values the code chooses but another module names (a serving strategy, a parsing reason): a bug that
    makes them vary per request costs at most `limit` series per process, never an unbounded number.
    """

    def __init__(self, limit: int, known: Iterable[str] = ()):
        self._limit = limit
        self._admitted = set(known)
        self._lock = threading.Lock()

    def __call__(self, value: str) -> str:
        """The value itself when admitted (now or before), else OTHER."""
        if value in self._admitted:
            return value
        with self._lock:
            if len(self._admitted) < self._limit:
                self._admitted.add(value)
                return value
        return OTHER
