"""Recommend routes: item-to-item (GET) and personalized (POST), on a model or on the default model."""
import math

from flask import Blueprint, request

from model_provider import ModelBlobNotFoundError, ModelCorruptError
from recommender import event_weight
from registry import ModelRecord, ModelStatus

from . import services
from .auth import require_role
from .errors import ApiError, field_error
from .models_api import get_default_record, get_record
from .request_body import json_body
from .schemas import item_recommend_query_schema, personalized_recommend_query_schema, usage_events_schema

bp = Blueprint("recommend", __name__, url_prefix="/api/models")


@bp.get("/<model_id:model_id>/recommend")
@require_role("recommend")
def recommend_items(model_id):
    """Items similar to itemId; popular items (backfill) without itemId."""
    query = item_recommend_query_schema.load(request.args.to_dict())
    return _item_to_item(get_record(model_id, services.records()), query)


@bp.get("/default/recommend")
@require_role("recommend")
def recommend_items_default():
    """Item-to-item on the default model."""
    query = item_recommend_query_schema.load(request.args.to_dict())
    return _item_to_item(get_default_record(services.records()), query)


@bp.post("/<model_id:model_id>/recommend")
@require_role("recommend")
def recommend_personalized(model_id):
    """Items for a user's stored history and/or the usage events in the body."""
    query, events = _personalized_request()
    return _personalized(get_record(model_id, services.records()), query, events)


@bp.post("/default/recommend")
@require_role("recommend")
def recommend_personalized_default():
    """Personalized recommendations on the default model."""
    query, events = _personalized_request()
    return _personalized(get_default_record(services.records()), query, events)


def _personalized_request() -> tuple:
    """The query and the usage events of a personalized request, validated before any model is looked up."""
    query = personalized_recommend_query_schema.load(request.args.to_dict())
    return query, usage_events_schema.load(json_body(default=[]))


def _item_to_item(record: ModelRecord, query: dict):
    recommender = _loaded_model(record)
    return _to_json(recommender.similar_items(query["item_id"], query["recommendation_count"]))


def _personalized(record: ModelRecord, query: dict, events: list):
    recommender = _loaded_model(record)
    user_id = query["user_id"]
    if user_id is not None and not recommender.params.enable_user_to_item:
        raise ApiError(400, "UserRecommendationsDisabled",
                       "this model was trained without enableUserToItemRecommendations; send usage events instead",
                       [field_error("userId", "UserRecommendationsDisabled", "not supported by this model")])
    return _to_json(recommender.recommend(user_id, _event_columns(events), query["recommendation_count"]))


def _event_columns(events: list):
    """The request's events as the columns SARModel.recommend reads (plain lists: cheaper than a DataFrame)."""
    if not events:
        return None
    return {"item_id": [event["item_id"] for event in events],
            "timestamp": [event["timestamp"].timestamp() if event["timestamp"] else math.nan for event in events],
            "weight": [event_weight(event["event_type"], event["weight"]) for event in events]}


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
