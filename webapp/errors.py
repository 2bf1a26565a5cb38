"""One error shape for every failure: {"error": {"code", "message", "details"}}."""
import logging
import uuid

from flask import Flask, g, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from registry import StorageUnavailableError

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-Id"

_HTTP_CODES = {400: "InvalidRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
               405: "MethodNotAllowed", 413: "PayloadTooLarge", 415: "UnsupportedMediaType"}


class ApiError(Exception):
    """An error the client should see, with an HTTP status and a code it can branch on."""

    def __init__(self, status: int, code: str, message: str, details=None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or []

    def __repr__(self):
        return f"{self.__class__.__name__}({self.status}, {self.code!r}, {self.message!r})"


def error_response(status: int, code: str, message: str, details=None):
    """The JSON response of an error."""
    response = jsonify({"error": {"code": code, "message": message, "details": details or []}})
    response.status_code = status
    return response


def init_app(app: Flask):
    """Register request ids and the app-level error handlers (routing 404/405 never reach a blueprint)."""

    @app.before_request
    def assign_request_id():
        g.request_id = uuid.uuid4().hex

    @app.after_request
    def add_request_id(response):
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
        return response

    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError):
        return error_response(error.status, error.code, error.message, error.details)

    @app.errorhandler(ValidationError)
    def handle_validation_error(error: ValidationError):
        details = [{"field": field, "message": " ".join(_flatten(messages))}
                   for field, messages in _items(error.messages)]
        return error_response(400, "InvalidRequest", "the request is not valid", details)

    @app.errorhandler(StorageUnavailableError)
    def handle_storage_unavailable(error):
        logger.warning("storage unavailable (request %s): %s", g.get("request_id"), error)
        return error_response(503, "StorageUnavailable", "storage is unavailable; retry later")

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        code = _HTTP_CODES.get(error.code, "InvalidRequest" if error.code < 500 else "InternalError")
        response = error_response(error.code, code, error.description or error.name)
        if error.code == 405 and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error):
        logger.exception("unhandled error (request %s) on %s %s", g.get("request_id"), request.method, request.path)
        return error_response(500, "InternalError", f"internal error; request id {g.get('request_id')}")


def _items(messages):
    if isinstance(messages, dict):
        return [(str(field), value) for field, value in messages.items()]
    return [("_schema", messages)]


def _flatten(messages):
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in _flatten(value)]
    if isinstance(messages, list):
        return [text for value in messages for text in _flatten(value)]
    return [str(messages)]
