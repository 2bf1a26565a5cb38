"""load_item_query's direct path gives what the schema gives, and leaves every error to the schema."""
from urllib.parse import parse_qsl

import pytest
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from webapp.schemas import MAX_ITEM_ID_LENGTH, item_recommend_query_schema, load_item_query, query_arguments

QUERIES = ["", "itemId=a", "itemId=a&recommendationCount=5", "recommendationCount=100", "recommendationCount=1",
           "itemId=a&itemId=b", "itemId=%20x%20", f"itemId={'é' * MAX_ITEM_ID_LENGTH}", "recommendationCount=0100",
           # errors, and forms only the schema reads
           "itemId=", f"itemId={'x' * (MAX_ITEM_ID_LENGTH + 1)}", "recommendationCount=0", "recommendationCount=101",
           "recommendationCount=abc", "recommendationCount=+5", "recommendationCount=%205", "recommendationCount=5.0",
           "recommendationCount=", "recommendationCount=99999999999999999999", "itemId=a&maxPerCategory=2",
           "itemId=a&excludeItemIds=b&excludeItemIds=c", "itemid=a", "itemId=a&unknown=1"]


def schema_load(args: MultiDict):
    return item_recommend_query_schema.load(query_arguments(item_recommend_query_schema, args))


@pytest.mark.parametrize("query", QUERIES)
def test_the_same_query_or_the_same_error_as_the_schema(query):
    args = MultiDict(parse_qsl(query, keep_blank_values=True))
    try:
        expected = schema_load(args)
    except ValidationError as error:
        with pytest.raises(ValidationError) as raised:
            load_item_query(args)
        assert raised.value.messages == error.messages
    else:
        assert load_item_query(args) == expected


def test_the_direct_path_is_taken_for_the_usual_query(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the schema was used")

    monkeypatch.setattr(item_recommend_query_schema, "load", refuse)
    assert load_item_query(MultiDict({"itemId": "a", "recommendationCount": "7"}))["recommendation_count"] == 7
    with pytest.raises(AssertionError):
        load_item_query(MultiDict({"itemId": "a", "maxPerCategory": "2"}))
