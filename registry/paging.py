"""Newest-first pages of model summaries, continued by an opaque keyset token.

The token names the last model of the page (its creation time and id), not an
offset: models created or deleted between two page requests neither shift nor
repeat the models of later pages. Both adapters page through this one function.
"""
import base64
import heapq
import json
from datetime import datetime
from typing import Iterable, Optional

from .exceptions import InvalidContinuationTokenError
from .records import ModelPage, ModelSummary


def newest_first_page(summaries: Iterable[ModelSummary], page_size: int,
                      continuation_token: Optional[str] = None) -> ModelPage:
    """The page_size newest summaries older than the token's model, and the token of the next page."""
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, got {page_size}")
    if continuation_token:
        after = _decode(continuation_token)
        summaries = (summary for summary in summaries if _sort_key(summary) < after)
    # One more than a page tells whether a next page exists.
    newest = heapq.nlargest(page_size + 1, summaries, key=_sort_key)
    page = newest[:page_size]
    return ModelPage(page, _encode(page[-1]) if len(newest) > page_size else None)


def _sort_key(summary: ModelSummary) -> tuple:
    return summary.creation_time, summary.id


def _encode(summary: ModelSummary) -> str:
    text = json.dumps([summary.creation_time.isoformat(), summary.id])
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def _decode(token: str) -> tuple:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("utf-8")
        creation_time, model_id = json.loads(text)
        key = datetime.fromisoformat(creation_time), str(model_id)
    except (ValueError, TypeError) as error:
        raise InvalidContinuationTokenError(f"not a continuation token: {token[:64]!r}") from error
    if key[0].tzinfo is None:
        raise InvalidContinuationTokenError(f"not a continuation token: {token[:64]!r}")
    return key
