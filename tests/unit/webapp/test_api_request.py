"""webapp/api_request.py: the quick parse of a query string gives werkzeug's parameters, in werkzeug's type."""
import random

import pytest
from flask import Request
from werkzeug.test import EnvironBuilder

from webapp.api_request import ApiRequest


def both_args(query: str) -> tuple:
    environ = EnvironBuilder(path="/api").get_environ()
    environ["QUERY_STRING"] = query.encode("utf-8").decode("latin-1")  # as a WSGI server passes it
    return Request(environ).args, ApiRequest(environ).args


@pytest.mark.parametrize("query", [
    "", "itemId=i1&recommendationCount=10", "a=1&a=2&b", "&&a=&=x&b==c&", "k=v=w", "a;b=1", "é=ü&ü",
    "a=%41&b=+c", "x=%zz&y=%", "excludeItemIds=i1&excludeItemIds=i2&excludeItemIds=i1&maxPerCategory=2"])
def test_a_query_string_parses_as_werkzeug_parses_it(query):
    werkzeugs, ours = both_args(query)
    assert list(ours.items(multi=True)) == list(werkzeugs.items(multi=True))
    assert type(ours) is type(werkzeugs)


@pytest.mark.parametrize("alphabet", ["ab=&;é 4", "ab=&;%+é 4"])  # the quick split's queries, then any
def test_random_query_strings_parse_as_werkzeug_parses_them(alphabet):
    rng = random.Random(7)
    for _ in range(2000):
        query = "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))
        werkzeugs, ours = both_args(query)
        assert list(ours.items(multi=True)) == list(werkzeugs.items(multi=True)), query
