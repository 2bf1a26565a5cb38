"""Recommend routes: item-to-item and a user's recommendations (GET), personalized (POST), popular items (GET)
and scores of given items (POST), on a model or on the default model. Recommend requests may carry business
rules (recommender.rules). Every recommend answer names the strategy it came from (recommender.strategy) in
the X-Recommendation-Strategy header, and on flask.g as recommendation_strategy for the metrics."""
import math
from typing import Optional

from flask import Blueprint, g, request

from model_provider import ModelBlobNotFoundError, ModelCorruptError, ModelIntegrityError
from recommender import EventBatch, event_weight
from recommender.exceptions import CategoriesUnavailableError
from recommender.popular import PopularityKind, popular_items
from recommender.rules import Rules
from recommender.strategy import BACKFILL, NONE, answer_strategy
from registry import ModelRecord, ModelStatus

from . import services
from .auth import require_role
from .errors import ApiError, error_response, field_error
from .item_query import load_item_query
from .models_api import get_default_record, get_record
from .request_body import json_body
from .request_schemas import (
    MAX_EVENTS,
    camel_case,
    personalized_recommend_query_schema,
    popular_query_schema,
    query_arguments,
    recommend_request_schema,
    score_query_schema,
    score_request_schema,
    usage_events_schema,
    user_path_schema,
    user_recommend_query_schema,
)
from .serving_metrics import note_answer

bp = Blueprint("recommend", __name__, url_prefix="/api/models")
STRATEGY_HEADER = "X-Recommendation-Strategy"


@bp.get("/<model_id:model_id>/recommend")
@require_role("recommend")
def recommend_items(model_id):
    """Items similar to itemId, or userId's recommendations; popular items (backfill) without either."""
    return _recommend_get(get_record(model_id, services.records()), load_item_query(request.args))


@bp.get("/default/recommend")
@require_role("recommend")
def recommend_items_default():
    """Item-to-item, or a user's recommendations, on the default model."""
    return _recommend_get(get_default_record(services.records()), load_item_query(request.args))


@bp.get("/<model_id:model_id>/users/<user_id>/recommendations")
@require_role("recommend")
def recommend_for_user(model_id, user_id):
    """A user's recommendations, the user in the path."""
    query = _user_query(user_id)
    return _for_user(get_record(model_id, services.records()), query)


@bp.get("/default/users/<user_id>/recommendations")
@require_role("recommend")
def recommend_for_user_default(user_id):
    """A user's recommendations on the default model."""
    query = _user_query(user_id)
    return _for_user(get_default_record(services.records()), query)


@bp.get("/<model_id:model_id>/popular")
@require_role("recommend")
def popular(model_id):
    """The most popular items, all-time or trending, optionally within a catalog category."""
    query = _popular_query()
    return _popular(get_record(model_id, services.records()), query)


@bp.get("/default/popular")
@require_role("recommend")
def popular_default():
    """Popular items of the default model."""
    query = _popular_query()
    return _popular(get_default_record(services.records()), query)


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
        _check_event_count(body.get("events"), "events")
        return query, recommend_request_schema.load(body)
    _check_event_count(body, "body")
    return query, {"events": usage_events_schema.load(body)}


def _score_request() -> tuple:
    query, body = score_query_schema.load(request.args.to_dict()), json_body()
    if isinstance(body, dict):
        _check_event_count(body.get("events"), "events")
    return query, score_request_schema.load(body)


def _check_event_count(events, field: str) -> None:
    """:raise 400 TooManyEvents: more than MAX_EVENTS events (refused before any is validated)"""
    if isinstance(events, list) and len(events) > MAX_EVENTS:
        raise ApiError(400, "TooManyEvents", f"a request may carry at most {MAX_EVENTS} usage events",
                       [field_error(field, "TooManyEvents", f"holds {len(events)} events; at most {MAX_EVENTS}")])


def _user_query(user_id: str) -> dict:
    """The query of a user's GET with the path's user id in it, validated before any model is looked up."""
    query = user_recommend_query_schema.load(query_arguments(user_recommend_query_schema, request.args))
    return {**query, **user_path_schema.load({"userId": user_id})}


def _popular_query() -> dict:
    return popular_query_schema.load(query_arguments(popular_query_schema, request.args))


def _recommend_get(record: ModelRecord, query: dict):
    """GET .../recommend: a user's recommendations with userId, else item-to-item (popular items without itemId)."""
    if query["user_id"] is not None:
        return _for_user(record, query)
    recommender = _loaded_model(record)
    recommendations = recommender.similar_items(query["item_id"], query["recommendation_count"], _rules(query))
    note_answer(recommender.model, recommendations, item_id=query["item_id"])
    strategy = answer_strategy(recommender.model, recommendations, query["item_id"])
    if query["explain"]:
        return _answer(_explained_json(recommendations, recommender.explain_similar(query["item_id"], recommendations)),
                       strategy)
    return _answer(_to_json(recommendations), strategy)


def _for_user(record: ModelRecord, query: dict):
    """Exactly what the POST with the user id and no events answers (the backfill for a user the model lacks)."""
    return _personalized(record, query, {**query, "events": []})


def _personalized(record: ModelRecord, query: dict, body: dict):
    recommender = _loaded_model(record)
    user_id, events = _user_id(recommender, query), _event_batch(body["events"])
    recommendations = recommender.recommend(user_id, events, query["recommendation_count"], _rules(body))
    note_answer(recommender.model, recommendations, user_id=user_id)
    strategy = answer_strategy(recommender.model, recommendations)
    if query["explain"]:
        return _answer(_explained_json(recommendations, recommender.explain(user_id, events, recommendations)),
                       strategy)
    return _answer(_to_json(recommendations), strategy)


def _popular(record: ModelRecord, query: dict):
    """The popular items of the query's kind (without one, those the model backfills with)."""
    model = _loaded_model(record).model
    kind = PopularityKind(query["kind"]) if query["kind"] else PopularityKind.of(model.params.backfill_strategy)
    recommendations = popular_items(model, kind, query["recommendation_count"], _rules(query), query["category"])
    note_answer(model, recommendations)
    return _answer(_to_json(recommendations), BACKFILL[kind.backfill_strategy] if recommendations else NONE)


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
def _categories_unavailable(error: CategoriesUnavailableError):
    """maxPerCategory (or a popular route's category) asked of a model trained without a catalog: 400
    CategoriesUnavailable. A handler, not a try around each call: it costs nothing on the way of a request that
    succeeds."""
    detail = field_error(camel_case(error.field), "CategoriesUnavailable", "not supported by this model")
    return error_response(400, "CategoriesUnavailable",
                          "this model was trained without a catalog, so its items have no categories", [detail])


def _event_batch(events: list) -> Optional[EventBatch]:
    """The request's events as the EventBatch scoring reads (None when there are none)."""
    if not events:
        return None
    return EventBatch(tuple(event["item_id"] for event in events),
                      [math.nan if event["timestamp"] is None else event["timestamp"] for event in events],
                      [event_weight(event["event_type"], event["weight"]) for event in events])


def _loaded_model(record: ModelRecord):
    """The record's Recommender. :raise 409 ModelNotReady: :raise 404 ModelNotFound: :raise 500 ModelCorrupt:
    :raise 503 ModelIntegrityError: the stored blob is another model's (never served in this one's name)"""
    if record.status != ModelStatus.COMPLETED:
        raise ApiError(409, "ModelNotReady", f"model {record.id} is {record.status.value}, not Completed")
    try:
        return services.provider().get(record.id)
    except ModelBlobNotFoundError:
        raise ApiError(404, "ModelNotFound", f"model {record.id} has no stored model") from None
    except ModelCorruptError:
        raise ApiError(500, "ModelCorrupt", f"model {record.id} is stored in a form this service cannot read") from None
    except ModelIntegrityError:
        raise ApiError(503, "ModelIntegrityError", f"model {record.id}'s stored blob belongs to another model; "
                       "an operator must train it again or restore its blob") from None


def _answer(body: list, strategy: str):
    """The JSON answer, with the strategy in its header and on flask.g (for metrics)."""
    g.recommendation_strategy = strategy
    return body, {STRATEGY_HEADER: strategy}


def _to_json(recommendations):
    return [{"recommendedItemId": item_id, "score": score} for item_id, score in recommendations]


def _explained_json(recommendations, explanations):
    """The answer with each item's explanation (recommender.explanations) beside it."""
    return [{"recommendedItemId": item_id, "score": score,
             "explanation": {"strategy": explanation.strategy.value,
                             "seedItems": [{"itemId": seed, "share": share} for seed, share in explanation.seeds]}}
            for (item_id, score), explanation in zip(recommendations, explanations)]
