"""Which blob containers a request may name: never the service's own, and only those USAGE_CONTAINERS lists."""
from flask import current_app

from .errors import ApiError, field_error


def check_container_allowed(container: str, field: str) -> None:
    """:raise 400 ContainerNotAllowed: the service's own container, or one USAGE_CONTAINERS does not list"""
    settings = current_app.config["SETTINGS"]
    allowed = settings.allowed_usage_containers
    if container in settings.service_containers:
        reason = "is the service's own container (it holds the trained models), never a model's data"
    elif allowed is not None and container not in allowed:
        reason = f"is not one of the containers this service reads data from: {', '.join(sorted(allowed))}"
    else:
        return
    raise ApiError(400, "ContainerNotAllowed", f"blob container {container!r} {reason}",
                   [field_error(field, "ContainerNotAllowed", reason)])
