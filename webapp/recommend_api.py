"""Recommend routes: item-to-item (GET), personalized (POST) and scores of given items (POST), on a model or on
the default model. Recommend requests may carry business rules (recommender.rules)."""
import math
from typing import Optional

from flask import Blueprint, request

from model_provider import ModelBlobNotFoundError, ModelCorruptError
from recommender import EventBatch, event_weight
from recommender.exceptions import CategoriesUnavailableError
from recommender.rules import Rules
from registry import ModelRecord, ModelStatus

from . import services
from .auth import require_role
from .errors import ApiError, error_response, field_error
from .item_query import load_item_query
from .models_api import get_default_record, get_record
from .request_body import json_body
from .request_schemas import (
    personalized_recommend_query_schema,
    recommend_request_schema,
    score_query_schema,
    score_request_schema,
    usage_events_schema,
)

bp = Blueprint("recommend", __name__, url_prefix="/api/models")


@bp.get("/<model_id:model_id>/recommend")
@require_role("recommend")
def recommend_items(model_id):
    """Items similar to itemId; popular items (backfill) without itemId."""
    return _item_to_item(get_record(model_id, services.records()), load_item_query(request.args))


@bp.get("/default/recommend")
@require_role("recommend")
def recommend_items_default():
    """Item-to-item on the default model."""
    return _item_to_item(get_default_record(services.records()), load_item_query(request.args))


@bp.post("/<model_id:model_id>/recommend")
@require_role("recommend")
def recommend_personalized(model_id):
    """Items for a user's stored history and/or the usage events in the body."""
    query, body = _personalized_request()
    return _personalized(get_record(model_id, services.records()), query, body)


@bp.post("/default/recommend")
@require_role("recommend")
def recommend_personalized_default():
    """Personalized recommendations on the default model."""
    query, body = _personalized_request()
    return _personalized(get_default_record(services.records()), query, body)


@bp.post("/<model_id:model_id>/scores")
@require_role("recommend")
def score_items(model_id):
    """The score of each listed item for a user's stored history and/or the usage events in the body."""
    query, body = _score_request()
    return _scores(get_record(model_id, services.records()), query, body)


@bp.post("/default/scores")
@require_role("recommend")
def score_items_default():
    """Scores of listed items on the default model."""
    query, body = _score_request()
    return _scores(get_default_record(services.records()), query, body)


def _personalized_request() -> tuple:
    """The query and the body (events and rules) of a personalized request, validated before any model is
    looked up. The body is a list of usage events, or an object holding them and the rules."""
    query = personalized_recommend_query_schema.load(request.args.to_dict())
    body = json_body(default=[])
    if isinstance(body, dict):
        return query, recommend_request_schema.load(body)
    return query, {"events": usage_events_schema.load(body)}


def _score_request() -> tuple:
    return score_query_schema.load(request.args.to_dict()), score_request_schema.load(json_body())


def _item_to_item(record: ModelRecord, query: dict):
    recommender = _loaded_model(record)
    answer = recommender.similar_items(query["item_id"], query["recommendation_count"], _rules(query))
    if query["explain"]:
        return _explained_json(answer, recommender.explain_similar(query["item_id"], answer))
    return _to_json(answer)


def _personalized(record: ModelRecord, query: dict, body: dict):
    recommender = _loaded_model(record)
    user_id, events = _user_id(recommender, query), _event_batch(body["events"])
    answer = recommender.recommend(user_id, events, query["recommendation_count"], _rules(body))
    if query["explain"]:
        return _explained_json(answer, recommender.explain(user_id, events, answer))
    return _to_json(answer)


def _scores(record: ModelRecord, query: dict, body: dict):
    recommender = _loaded_model(record)
    scores = recommender.scores(body["item_ids"], _user_id(recommender, query), _event_batch(body["events"]))
    return [{"itemId": item_id, "score": score} for item_id, score in zip(body["item_ids"], scores)]


def _user_id(recommender, query: dict) -> Optional[str]:
    """The query's userId. :raise 400 UserRecommendationsDisabled: the model keeps no user histories"""
    user_id = query["user_id"]
    if user_id is not None and not recommender.params.enable_user_to_item:
        raise ApiError(400, "UserRecommendationsDisabled",
                       "this model was trained without enableUserToItemRecommendations; send usage events instead",
                       [field_error("userId", "UserRecommendationsDisabled", "not supported by this model")])
    return user_id


def _rules(data: dict) -> Optional[Rules]:
    """The request's rules; None when it sets none (the unfiltered path, and its answer cache)."""
    include, exclude, prefix = data.get("include_item_ids"), data.get("exclude_item_ids"), data.get("item_id_prefix")
    if include is None and not exclude and not prefix and data.get("max_per_category") is None:
        return None
    return Rules(include_item_ids=None if include is None else tuple(include), exclude_item_ids=tuple(exclude or ()),
                 item_id_prefix=prefix, max_per_category=data["max_per_category"],
                 category_window=data["category_window"])


@bp.errorhandler(CategoriesUnavailableError)
def _categories_unavailable(_error):
    """maxPerCategory asked of a model trained without a catalog: 400 CategoriesUnavailable. A handler, not a
    try around each call: it costs nothing on the way of a request that succeeds."""
    detail = field_error("maxPerCategory", "CategoriesUnavailable", "not supported by this model")
    return error_response(400, "CategoriesUnavailable",
                          "this model was trained without a catalog, so its items have no categories to cap", [detail])


def _event_batch(events: list) -> Optional[EventBatch]:
    """The request's events as the EventBatch scoring reads (None when there are none)."""
    if not events:
        return None
    return EventBatch(tuple(event["item_id"] for event in events),
                      [event["timestamp"].timestamp() if event["timestamp"] else math.nan for event in events],
                      [event_weight(event["event_type"], event["weight"]) for event in events])


def _loaded_model(record: ModelRecord):
    """The record's Recommender. :raise 409 ModelNotReady: :raise 404 ModelNotFound: :raise 500 ModelCorrupt:"""
    if record.status != ModelStatus.COMPLETED:
        raise ApiError(409, "ModelNotReady", f"model {record.id} is {record.status.value}, not Completed")
    try:
        return services.provider().get(record.id)
    except ModelBlobNotFoundError:
        raise ApiError(404, "ModelNotFound", f"model {record.id} has no stored model") from None
    except ModelCorruptError:
        raise ApiError(500, "ModelCorrupt", f"model {record.id} is stored in a form this service cannot read") from None


def _to_json(recommendations):
    return [{"recommendedItemId": item_id, "score": score} for item_id, score in recommendations]


def _explained_json(recommendations, explanations):
    """The answer with each item's explanation (recommender.explanations) beside it."""
    return [{"recommendedItemId": item_id, "score": score,
             "explanation": {"strategy": explanation.strategy.value,
                             "seedItems": [{"itemId": seed, "share": share} for seed, share in explanation.seeds]}}
            for (item_id, score), explanation in zip(recommendations, explanations)]
