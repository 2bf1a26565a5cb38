"""The app's collaborators, built once by create_app and reached through these getters."""
from flask import current_app
from werkzeug.routing import BaseConverter

from .errors import ApiError, field_error
from .schema_fields import GUID


def registry():
    """The ModelRegistry."""
    return current_app.extensions["registry"]


def records():
    """The serving path's CachedRecordReader: Completed records and the default id, trusted for a few seconds."""
    return current_app.extensions["records"]


def provider():
    """The ModelProvider."""
    return current_app.extensions["provider"]


def queues():
    """The ModelQueues (send_train, send_delete)."""
    return current_app.extensions["queues"]


def schedules():
    """The retrain ScheduleStore (registry.schedules)."""
    return current_app.extensions["schedules"]


def usage_locator():
    """A callable (container, path) -> blob names; ContainerNotFoundError when the container is missing."""
    return current_app.extensions["usage_locator"]


class ModelIdConverter(BaseConverter):
    """A {modelId} path segment: anything but `default`, so /api/models/default never reaches a by-id route.

    A segment that is not a GUID still matches, for parse_model_id to answer 400 InvalidModelId.
    """

    regex = r"(?!default(?:/|\Z))[^/]+"


def parse_model_id(model_id: str) -> str:
    """The canonical (lower-case) form of a model id. :raise 400 InvalidModelId: not a GUID"""
    if not GUID.fullmatch(model_id):
        raise ApiError(400, "InvalidModelId", f"model id {model_id[:64]!r} is not a GUID",
                       [field_error("modelId", "InvalidModelId", "must be a GUID")])
    return model_id.lower()
