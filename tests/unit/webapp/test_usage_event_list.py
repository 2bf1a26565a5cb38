"""UsageEventList loads a list of events as marshmallow's List of Nested does: the same events, the same errors."""
import itertools

import pytest
from marshmallow import ValidationError, fields

from webapp.request_schemas import CamelCaseSchema, UsageEventList, UsageEventSchema

GOOD = {"itemId": "i1", "timestamp": "2026-01-01T00:00:00Z", "eventType": "Click", "weight": 1.5}
EVENTS = [GOOD, {"itemId": "i2"}, {"itemId": "i1", "timestamp": None, "eventType": None, "weight": None},
          {"itemId": ""}, {"itemId": 5}, {}, {"itemId": "i1", "extra": 1}, {"itemId": "i1", "timestamp": "bad"},
          {"itemId": "i1", "eventType": "Nope"}, {"itemId": "i1", "weight": "2"}, {"itemId": "x" * 451},
          None, "x", 3, []]


class Ours(CamelCaseSchema):
    events = UsageEventList(load_default=list)


class Marshmallows(CamelCaseSchema):
    events = fields.List(fields.Nested(UsageEventSchema), load_default=list)


def outcome(schema, body):
    try:
        return "loaded", schema.load(body)
    except ValidationError as error:
        return "refused", error.messages


BODIES = ([{}, {"events": None}, {"events": "a list?"}, {"events": {"itemId": "i1"}}, {"events": []}]
          + [{"events": list(pair)} for pair in itertools.product(EVENTS, repeat=2)])


@pytest.mark.parametrize("body", BODIES)
def test_the_same_events_or_the_same_errors(body):
    ours, marshmallows = outcome(Ours(), body), outcome(Marshmallows(), body)
    assert repr(ours) == repr(marshmallows)  # repr: messages are compared as text, codes below
    if ours[0] == "refused":
        codes = lambda messages: [getattr(m, "code", None) for m in _leaves(messages)]  # noqa: E731
        assert codes(ours[1]) == codes(marshmallows[1])


def _leaves(messages):
    if isinstance(messages, dict):
        for value in messages.values():
            yield from _leaves(value)
    elif isinstance(messages, list):
        for value in messages:
            yield from _leaves(value)
    else:
        yield messages
