"""The business facts of each recommend answer: its kind, strategy and model, the slots backfill filled, empty
answers and ids the model does not know. Counted in Prometheus (bounded labels) and put on the request's log line.

The recommend views call note_answer() with what they answered; ops.py's after-request hook calls
count_answer(). The strategy is what the serving code put in `g.recommendation_strategy` (a short string),
"unknown" when it put none.
"""
import functools
from typing import NamedTuple, Optional

from flask import current_app, g

from observability.labels import BoundedLabel, model_label
from observability.metrics import EMPTY_ANSWERS, RECOMMENDATIONS_SERVED, RECOMMENDED_ITEMS, UNKNOWN_IDS

UNKNOWN_STRATEGY = "unknown"
"""The `strategy` label of an answer whose serving code named none."""
MAX_STRATEGIES = 12
"""Distinct `strategy` labels a process admits (the serving code names a handful); later ones are `other`."""
KINDS = ("item_to_item", "personalized", "user", "popular", "scores", "other")
"""The `kind` label: which kind of recommend route answered."""
SOURCES = ("model", "backfill")
"""The `source` label of recsvc_recommended_items_total: the model's scores, or backfill (score 0)."""


class AnswerFacts(NamedTuple):
    """What one recommend answer held: its length, the slots backfill filled, and unknown ids it was asked."""

    items: int
    backfilled: int
    unknown_item: bool
    unknown_user: bool


def init_app(app) -> None:
    """Create every series of a bounded label set at 0, so dashboards and alerts see them before any traffic."""
    app.extensions["metrics_model_ids"] = app.config["SETTINGS"].metrics_model_id_set
    app.extensions["strategy_label"] = BoundedLabel(MAX_STRATEGIES)
    for source in SOURCES:
        RECOMMENDED_ITEMS.labels(source)
    for kind in KINDS:
        EMPTY_ANSWERS.labels(kind)
    for subject in ("item", "user"):
        UNKNOWN_IDS.labels(subject)


def note_answer(model, recommendations: list, *, item_id: Optional[str] = None, user_id: Optional[str] = None):
    """Remember what a recommend view answered from `model` (a SARModel), for count_answer."""
    backfilled = sum(1 for _, score in recommendations if score == 0)  # backfill's items come with score 0
    g.answer_facts = AnswerFacts(len(recommendations), backfilled,
                                 item_id is not None and item_id not in model.item_index,
                                 user_id is not None and user_id not in model.user_index)


def count_answer(current, route: str) -> dict:
    """Count a successful recommend answer; returns the fields its log line adds."""
    extensions = current_app.extensions
    kind = recommend_kind(route, current.method, "userId" in current.args)
    strategy = extensions["strategy_label"](getattr(g, "recommendation_strategy", None) or UNKNOWN_STRATEGY)
    model = model_label((current.view_args or {}).get("model_id", "").lower() or None, extensions["metrics_model_ids"])
    _served(kind, strategy, model).inc()
    fields = {"kind": kind, "strategy": strategy}
    facts = getattr(g, "answer_facts", None)
    if facts is None:  # a route that answers no ranked list (scores)
        return fields
    if facts.items:
        _child(RECOMMENDED_ITEMS, "model").inc(facts.items - facts.backfilled)
        _child(RECOMMENDED_ITEMS, "backfill").inc(facts.backfilled)
    else:
        _child(EMPTY_ANSWERS, kind).inc()
    if facts.unknown_item:
        _child(UNKNOWN_IDS, "item").inc()
    if facts.unknown_user:
        _child(UNKNOWN_IDS, "user").inc()
    return {**fields, "items": facts.items, "backfilled": facts.backfilled, "unknownItem": facts.unknown_item,
            "unknownUser": facts.unknown_user}


@functools.lru_cache(maxsize=256)
def recommend_kind(route: str, method: str, has_user_id: bool) -> str:
    """The `kind` label of a recommend route (its template), method and whether a userId was asked."""
    if route.endswith("/scores"):
        return "scores"
    if route.endswith("/popular"):
        return "popular"
    if "/users/" in route or (method == "GET" and has_user_id and route.endswith("/recommend")):
        return "user"
    if route.endswith("/recommend"):
        return "personalized" if method == "POST" else "item_to_item"
    return "other"


@functools.lru_cache(maxsize=64)
def _child(metric, label: str):
    """A one-label metric's child, looked up once: labels() takes a lock and builds a key on every call."""
    return metric.labels(label)


@functools.lru_cache(maxsize=1024)
def _served(kind: str, strategy: str, model: str):
    """The served counter's child of a label set: looked up once (every value is bounded)."""
    return RECOMMENDATIONS_SERVED.labels(kind, strategy, model)
