"""Reading a JSON request body, with the service's errors for what is not JSON."""
from flask import request

from .errors import ApiError


def json_body(default=None):
    """The parsed JSON body; `default` when the body is empty and a default is given.

    :raise 415 UnsupportedMediaType: a body that is not declared as JSON
    :raise 400 InvalidRequest: a body that does not parse
    """
    if not request.get_data(cache=True) and default is not None:
        return default
    if not request.is_json:
        raise ApiError(415, "UnsupportedMediaType", "the body must be JSON (Content-Type: application/json)")
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "InvalidRequest", "the body is not valid JSON")
    return body
