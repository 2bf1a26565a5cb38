"""JSON text from an encoder built once.

json.dumps, and JSONEncoder.encode too, build a new C encoder on every call; the web app writes two JSON
texts per request (the answer and its log line), so it builds each encoder up front instead.
"""
from json import encoder as json_encoder
from typing import Callable

COMPACT = (",", ":")
"""Separators of answers: no spaces."""
SPACED = (", ", ": ")
"""json.dumps' own separators (log lines keep them)."""


def json_text_encoder(default: Callable, ensure_ascii: bool = True,
                      separators: tuple = COMPACT) -> Callable[[object], str]:
    """A function obj -> JSON text, as json.dumps(obj, separators=separators, default=default,
    ensure_ascii=ensure_ascii) writes it, but without its check for circular references: a value that
    contains itself ends in RecursionError rather than ValueError (neither is ever expected here)."""
    item_separator, key_separator = separators
    if json_encoder.c_make_encoder is None:  # a Python built without the C accelerator
        return json_encoder.JSONEncoder(default=default, ensure_ascii=ensure_ascii, separators=separators).encode
    escape = json_encoder.encode_basestring_ascii if ensure_ascii else json_encoder.encode_basestring
    encode = json_encoder.c_make_encoder(None, default, escape, None, key_separator, item_separator, False, False,
                                         True)
    return lambda obj: "".join(encode(obj, 0))
