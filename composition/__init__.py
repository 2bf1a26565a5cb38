"""The composition root: the one place that turns Settings into the service's backends (composition/backends.py)."""
from .backends import Backends, build_backends, build_storage_gauges, count_models_by_status

__all__ = ["Backends", "build_backends", "build_storage_gauges", "count_models_by_status"]
