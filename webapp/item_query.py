"""The query string of a GET .../recommend (an item's or a user's), read directly when it is plainly valid (the
hot path), else by the schema, which also words every error. tests/unit/webapp/test_item_query.py holds the two to the same answers."""
from typing import Optional

from recommender.exceptions import ConflictingRulesError
from recommender.parsing import MAX_ITEM_ID_LENGTH, MAX_USER_ID_LENGTH
from recommender.rules import MAX_LISTED_ITEM_IDS

from .request_schemas import (
    CATEGORY_RULE_RANGE,
    RECOMMENDATION_COUNT_RANGE,
    check_rules_agree,
    item_recommend_query_schema,
    query_arguments,
)

_ITEM_QUERY_DEFAULTS = item_recommend_query_schema.load({})
_DIRECT_ID_LISTS = {"includeItemIds": "include_item_ids", "excludeItemIds": "exclude_item_ids"}
_DIRECT_NUMBERS = {"recommendationCount": ("recommendation_count", RECOMMENDATION_COUNT_RANGE),
                   "maxPerCategory": ("max_per_category", CATEGORY_RULE_RANGE),
                   "categoryWindow": ("category_window", CATEGORY_RULE_RANGE)}
_DIRECT_IDS = {"itemId": ("item_id", MAX_ITEM_ID_LENGTH), "itemIdPrefix": ("item_id_prefix", MAX_ITEM_ID_LENGTH),
               "userId": ("user_id", MAX_USER_ID_LENGTH)}


def load_item_query(args) -> dict:
    """The query string of a GET .../recommend (an item's or a user's), validated as item_recommend_query_schema
    loads it.

    A plainly valid query (ids of valid lengths, numbers in digits and in range, lists within their limit,
    rules that agree) is read directly: marshmallow costs more than the answer from the cache, and for a
    list of 100 ids more than the filtering. Any other query goes through the schema.
    """
    query = _direct_item_query(args)
    if query is None:
        query = item_recommend_query_schema.load(query_arguments(item_recommend_query_schema, args))
    return query


def _direct_item_query(args) -> Optional[dict]:
    """The loaded query if it is plainly valid, else None. A single parameter given twice counts once, as in
    query_arguments (the first value)."""
    query = dict(_ITEM_QUERY_DEFAULTS)
    for key, values in args.lists():
        if key in _DIRECT_IDS:
            name, longest = _DIRECT_IDS[key]
            if not 1 <= len(values[0]) <= longest:
                return None
            query[name] = values[0]
        elif key in _DIRECT_NUMBERS:
            name, (low, high) = _DIRECT_NUMBERS[key]
            number = int(values[0]) if _is_digits(values[0]) else None
            if number is None or not low <= number <= high:
                return None
            query[name] = number
        elif key in _DIRECT_ID_LISTS:
            lengths = list(map(len, values))  # (a query's values are strings)
            if len(values) > MAX_LISTED_ITEM_IDS or min(lengths) < 1 or max(lengths) > MAX_ITEM_ID_LENGTH:
                return None
            query[_DIRECT_ID_LISTS[key]] = values
        else:
            return None
    if query["item_id"] is not None and query["user_id"] is not None:
        return None  # refused: the schema words it
    try:
        check_rules_agree(query)
    except ConflictingRulesError:
        return None
    return query


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 4
