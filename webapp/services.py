"""The app's collaborators, built once by create_app and reached through these getters."""
import uuid

from flask import current_app

from .errors import ApiError


def registry():
    """The ModelRegistry."""
    return current_app.extensions["registry"]


def provider():
    """The ModelProvider."""
    return current_app.extensions["provider"]


def queues():
    """The ModelQueues (send_train, send_delete)."""
    return current_app.extensions["queues"]


def usage_locator():
    """A callable (container, path) -> blob names; ContainerNotFoundError when the container is missing."""
    return current_app.extensions["usage_locator"]


def parse_model_id(model_id: str) -> str:
    """The canonical (lower-case) form of a model id. :raise 400 InvalidModelId: not a GUID"""
    try:
        return str(uuid.UUID(model_id))
    except ValueError:
        raise ApiError(400, "InvalidModelId", f"model id {model_id[:64]!r} is not a GUID") from None
