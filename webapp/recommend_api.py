"""Recommend routes: item-to-item (GET) and personalized (POST), on a model or on the default model."""
import numpy as np
from flask import Blueprint, request

from model_provider import ModelBlobNotFoundError, ModelCorruptError
from recommender import make_events, resolve_weights
from registry import ModelRecord, ModelStatus

from . import services
from .auth import require_role
from .errors import ApiError
from .models_api import get_default_record, get_record
from .request_body import json_body
from .schemas import recommend_query_schema, usage_events_schema

bp = Blueprint("recommend", __name__, url_prefix="/api/models")


@bp.get("/<model_id>/recommend")
@require_role("recommend")
def recommend_items(model_id):
    """Items similar to itemId; popular items (backfill) without itemId."""
    return _item_to_item(get_record(model_id))


@bp.get("/default/recommend")
@require_role("recommend")
def recommend_items_default():
    """Item-to-item on the default model."""
    return _item_to_item(get_default_record())


@bp.post("/<model_id>/recommend")
@require_role("recommend")
def recommend_personalized(model_id):
    """Items for a user's stored history and/or the usage events in the body."""
    return _personalized(get_record(model_id))


@bp.post("/default/recommend")
@require_role("recommend")
def recommend_personalized_default():
    """Personalized recommendations on the default model."""
    return _personalized(get_default_record())


def _item_to_item(record: ModelRecord):
    query = recommend_query_schema.load(request.args.to_dict())
    model = _loaded_model(record)
    recommendations = model.similar_items(query["item_id"], query["recommendation_count"]) if query["item_id"] \
        else model.recommend(k=query["recommendation_count"])
    return _to_json(recommendations)


def _personalized(record: ModelRecord):
    query = recommend_query_schema.load(request.args.to_dict())
    events = usage_events_schema.load(json_body(default=[]))
    model = _loaded_model(record)
    user_id = query["user_id"]
    if user_id is not None and not model.params.enable_user_to_item:
        raise ApiError(400, "UserRecommendationsDisabled",
                       "this model was trained without enableUserToItemRecommendations; send usage events instead",
                       [{"field": "userId", "message": "not supported by this model"}])
    return _to_json(model.recommend(user_id=user_id, events=_event_table(events), k=query["recommendation_count"]))


def _event_table(events: list):
    if not events:
        return None
    timestamps = [event["timestamp"].timestamp() if event["timestamp"] else np.nan for event in events]
    weights = resolve_weights([event["event_type"] for event in events],
                              [np.nan if event["weight"] is None else event["weight"] for event in events])
    return make_events([None] * len(events), [event["item_id"] for event in events], timestamps, weights)


def _loaded_model(record: ModelRecord):
    """The record's model, loaded. :raise 409 ModelNotReady: :raise 404 ModelNotFound: :raise 500 ModelCorrupt:"""
    if record.status != ModelStatus.COMPLETED:
        raise ApiError(409, "ModelNotReady", f"model {record.id} is {record.status.value}, not Completed")
    try:
        return services.provider().get_model(record.id)
    except ModelBlobNotFoundError:
        raise ApiError(404, "ModelNotFound", f"model {record.id} has no stored model") from None
    except ModelCorruptError:
        raise ApiError(500, "ModelCorrupt", f"model {record.id} is stored in a form this service cannot read") from None


def _to_json(recommendations):
    return [{"recommendedItemId": item_id, "score": score} for item_id, score in recommendations]
