"""load_item_query's direct path gives what the schema gives, and leaves every error to the schema."""
import random
from urllib.parse import parse_qsl

import pytest
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from recommender.parsing import MAX_ITEM_ID_LENGTH
from recommender.rules import MAX_LISTED_ITEM_IDS
from webapp.item_query import load_item_query
from webapp.request_schemas import item_recommend_query_schema, query_arguments

QUERIES = ["", "itemId=a", "itemId=a&recommendationCount=5", "recommendationCount=100", "recommendationCount=1",
           "itemId=a&itemId=b", "itemId=%20x%20", f"itemId={'é' * MAX_ITEM_ID_LENGTH}", "recommendationCount=0100",
           # errors, and forms only the schema reads
           "itemId=", f"itemId={'x' * (MAX_ITEM_ID_LENGTH + 1)}", "recommendationCount=0", "recommendationCount=101",
           "recommendationCount=abc", "recommendationCount=+5", "recommendationCount=%205", "recommendationCount=5.0",
           "recommendationCount=", "recommendationCount=99999999999999999999", "itemId=a&maxPerCategory=2",
           "itemId=a&excludeItemIds=b&excludeItemIds=c", "itemid=a", "itemId=a&unknown=1",
           # the rules
           "itemId=a&excludeItemIds=b&maxPerCategory=2", "includeItemIds=a&includeItemIds=b&itemIdPrefix=p",
           "itemId=a&maxPerCategory=2&categoryWindow=5&maxPerCategory=3", "itemIdPrefix=" + "p" * MAX_ITEM_ID_LENGTH,
           "itemId=a&" + "&".join(f"excludeItemIds=i{n}" for n in range(MAX_LISTED_ITEM_IDS)),
           "itemId=a&" + "&".join(f"excludeItemIds=i{n}" for n in range(MAX_LISTED_ITEM_IDS + 1)),
           "includeItemIds=a&excludeItemIds=a", "includeItemIds=a&includeItemIds=b&excludeItemIds=b",
           "categoryWindow=3", "maxPerCategory=0", "maxPerCategory=101", "maxPerCategory=-1", "maxPerCategory=",
           "categoryWindow=2&maxPerCategory=x", "excludeItemIds=", "excludeItemIds=a&excludeItemIds=",
           "itemIdPrefix=", f"itemIdPrefix={'x' * (MAX_ITEM_ID_LENGTH + 1)}",
           f"excludeItemIds={'x' * (MAX_ITEM_ID_LENGTH + 1)}",
           # a user's recommendations (issue 21): never with itemId
           "userId=u", "userId=u&recommendationCount=5&excludeItemIds=a", "userId=u&itemId=a", "itemId=a&userId=",
           "userId=", "userId=" + "u" * 255, "userId=" + "u" * 256, "userId=u&userId=v",
           # the explain flag: only the schema reads it
           "itemId=a&explain=true", "explain=false", "itemId=a&explain=yes", "explain=1", "explain="]


def schema_load(args: MultiDict):
    return item_recommend_query_schema.load(query_arguments(item_recommend_query_schema, args))


@pytest.mark.parametrize("query", QUERIES)
def test_the_same_query_or_the_same_error_as_the_schema(query):
    assert_loaded_as_the_schema_loads(query)


def test_random_queries_load_as_the_schema_loads_them():
    rng = random.Random(11)
    names = ["itemId", "userId", "recommendationCount", "includeItemIds", "excludeItemIds", "itemIdPrefix", "maxPerCategory",
             "categoryWindow", "other"]
    values = ["", "a", "b", "c", "0", "1", "2", "7", "100", "101", "-1", "x" * (MAX_ITEM_ID_LENGTH + 1), "%20"]
    for _ in range(3000):
        assert_loaded_as_the_schema_loads("&".join(f"{rng.choice(names)}={rng.choice(values)}"
                                                   for _ in range(rng.randrange(6))))


def assert_loaded_as_the_schema_loads(query: str):
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
    rules = load_item_query(MultiDict([("itemId", "a"), ("excludeItemIds", "b"), ("excludeItemIds", "c"),
                                       ("maxPerCategory", "2")]))
    assert (rules["exclude_item_ids"], rules["max_per_category"]) == (["b", "c"], 2)
    with pytest.raises(AssertionError):
        load_item_query(MultiDict({"itemId": "a", "maxPerCategory": "0"}))  # an error: the schema words it
