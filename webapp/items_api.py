"""GET .../items: the catalog's name and category of item ids a client got back from a recommend route, so a
dashboard or a terminal can show titles beside ids (issue 22). Recommend answers themselves stay ids and scores."""
from typing import Optional

from flask import Blueprint, request

from . import services
from .auth import require_role
from .models_api import get_default_record, get_record
from .recommend_api import loaded_model
from .request_schemas import item_lookup_query_schema, query_arguments

bp = Blueprint("items", __name__, url_prefix="/api/models")


@bp.get("/<model_id:model_id>/items")
@require_role("recommend")
def describe_items(model_id):
    """The name and category of each itemId, in the order asked (null when unknown)."""
    item_ids = _item_ids()
    return _described(loaded_model(get_record(model_id, services.records())).model, item_ids)


@bp.get("/default/items")
@require_role("recommend")
def describe_items_default():
    """Names and categories of items of the default model."""
    item_ids = _item_ids()
    return _described(loaded_model(get_default_record(services.records())).model, item_ids)


def _item_ids() -> list:
    """The query's ids, validated before any model is looked up."""
    return item_lookup_query_schema.load(query_arguments(item_lookup_query_schema, request.args))["item_id"]


def _described(model, item_ids: list) -> list:
    """An entry per id; an id the model does not know, or a model without a catalog, has null name and category."""
    return [{"itemId": item_id, "name": _label(model.item_names, model.item_index.get(item_id)),
             "category": _label(model.item_categories, model.item_index.get(item_id))} for item_id in item_ids]


def _label(labels, index: Optional[int]) -> Optional[str]:
    return None if labels is None or index is None else labels[index]
