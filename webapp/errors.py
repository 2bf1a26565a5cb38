"""One error shape for every failure: {"error": {"code", "message", "details"}}."""
import logging

from azure.core.exceptions import AzureError
from flask import Flask, g, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from registry import StorageUnavailableError
from storage.retries import is_transient

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
"""The Retry-After of every 503: about how long the storage SDK's own retries (1, 3, 5 s) take to give up."""

_HTTP_CODES = {400: "InvalidRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
               405: "MethodNotAllowed", 413: "PayloadTooLarge", 415: "UnsupportedMediaType"}


class ApiError(Exception):
    """An error the client should see, with an HTTP status and a code it can branch on."""

    def __init__(self, status: int, code: str, message: str, details=None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or []

    def __repr__(self):
        return f"{self.__class__.__name__}({self.status}, {self.code!r}, {self.message!r})"


def field_error(field: str, code: str, message: str) -> dict:
    """One entry of an error's details: which field broke which rule."""
    return {"code": code, "field": field, "message": message}


def error_response(status: int, code: str, message: str, details=None):
    """The JSON response of an error."""
    response = jsonify({"error": {"code": code, "message": message, "details": details or []}})
    response.status_code = status
    return response


def init_app(app: Flask):
    """Register the app-level error handlers (routing 404/405 never reach a blueprint). Messages name the
    request id that webapp/ops.py gives every request."""
    app.after_request(add_retry_after)

    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError):
        if error.status >= 500:
            logger.error("%s (request %s) on %s %s: %s", error.code, g.get("request_id"), request.method,
                         request.path, error.message)
        return error_response(error.status, error.code, error.message, error.details)

    @app.errorhandler(ValidationError)
    def handle_validation_error(error: ValidationError):
        details = [field_error(field, getattr(message, "code", "InvalidValue"), str(message))
                   for field, message in _leaves(error.messages)]
        fields = ", ".join(sorted({detail["field"] for detail in details}))
        return error_response(400, "InvalidRequest", f"the request is not valid: {fields}", details)

    @app.errorhandler(StorageUnavailableError)
    @app.errorhandler(AzureError)
    def handle_storage_error(error):
        """The registry's StorageUnavailableError, and the SDK's own errors from the blob and queue calls
        outside it (the creation check, a model download, a queue send): an outage, which the worker would
        retry, is 503; anything else is ours, a 500."""
        if not is_transient(error):
            return handle_unexpected(error)
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


def add_retry_after(response):
    """Every 503 (storage down, not ready) tells clients and proxies when to try again (RFC 9110 10.2.3)."""
    if response.status_code == 503:
        response.headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
    return response


def _leaves(messages, path: str = ""):
    """(field path, message) for every message of marshmallow's nested errors; list items as `[i]`."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            if isinstance(key, int):
                name = f"{path}[{key}]"
            elif key == "_schema":
                name = path or "body"
            else:
                name = f"{path}.{key}" if path else str(key)
            yield from _leaves(value, name)
    elif isinstance(messages, list):
        for message in messages:
            yield from _leaves(message, path)
    else:
        yield path or "body", messages
