"""common/json_text.py: the encoder built once writes what json.dumps writes."""
import datetime as dt
import json

import pytest

from common.json_text import COMPACT, SPACED, json_text_encoder

VALUES = ["plain", "é and \u2028 and \"quotes\"", 0, -3, 1.5, 0.1 + 0.2, 1e300, float("nan"), float("inf"), True, None,
          [], {}, [{"recommendedItemId": "i1", "score": 0.75}, {"recommendedItemId": "i2", "score": 0.0}],
          {"nested": {"list": [1, [2, [3]]]}, "when": dt.date(2026, 11, 23)}]


@pytest.mark.parametrize("separators", [COMPACT, SPACED])
@pytest.mark.parametrize("ensure_ascii", [True, False])
@pytest.mark.parametrize("value", VALUES)
def test_the_text_is_json_dumps_text(value, ensure_ascii, separators):
    text = json_text_encoder(str, ensure_ascii, separators)
    assert text(value) == json.dumps(value, separators=separators, default=str, ensure_ascii=ensure_ascii)


def test_a_value_json_cannot_write_goes_to_default_and_its_error_to_the_caller():
    def refuse(value):
        raise TypeError(f"{type(value).__name__} is not JSON")
    with pytest.raises(TypeError, match="object is not JSON"):
        json_text_encoder(refuse)({"x": object()})


def test_one_encoder_serves_many_calls_alike():
    text = json_text_encoder(str)
    assert [text([n, {"n": n}]) for n in range(3)] == ['[0,{"n":0}]', '[1,{"n":1}]', '[2,{"n":2}]']
