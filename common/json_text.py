"""Compact JSON text from an encoder built once.

json.dumps, and JSONEncoder.encode too, build a new C encoder on every call; the web app writes two JSON
texts per request (the answer and its log line), so it builds one up front instead.
"""
from json import encoder as json_encoder
from typing import Callable


def compact_encoder(default: Callable, ensure_ascii: bool = True) -> Callable[[object], str]:
    """A function obj -> compact JSON text, as json.dumps(obj, separators=(",", ":"), default=default,
    ensure_ascii=ensure_ascii) writes it, without its check for circular references."""
    escape = json_encoder.encode_basestring_ascii if ensure_ascii else json_encoder.encode_basestring
    if json_encoder.c_make_encoder is None:  # a Python built without the C accelerator
        return json_encoder.JSONEncoder(default=default, ensure_ascii=ensure_ascii, separators=(",", ":")).encode
    encode = json_encoder.c_make_encoder(None, default, escape, None, ":", ",", False, False, True)
    return lambda obj: "".join(encode(obj, 0))
