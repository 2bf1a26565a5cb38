"""Reading a JSON request body, with the service's errors for what is not JSON."""
import json

from flask import request

from .errors import ApiError, field_error


def json_body(default=None):
    """The parsed JSON body (any JSON value: the schema judges its shape); `default` for an empty body if given.

    :raise 415 UnsupportedMediaType: a body that is not declared as JSON
    :raise 400 InvalidRequest: a body that does not parse
    """
    data = request.get_data(cache=True)
    if not data and default is not None:
        return default
    if not request.is_json:
        raise ApiError(415, "UnsupportedMediaType", "the body must be JSON (Content-Type: application/json)")
    try:
        body = json.loads(data)
        # An escaped lone surrogate ("\ud800") parses, but is no character: no id or path may hold one.
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python's stack ("[[[[...")
        raise ApiError(400, "InvalidRequest", "the body is not valid JSON",
                       [field_error("body", "InvalidJson", "not valid JSON, or holds a lone surrogate")]) from None
    return body
