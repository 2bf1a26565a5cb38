"""The REST API: `gunicorn "webapp:create_app()"`."""
import os
from typing import Optional

from flask import Flask

from composition import build_backends
from composition.resources import ensure_in_background
from config.settings import Settings
from model_provider import CacheLimits, LoadLimits, ModelProvider
from observability import logs
from observability.metrics import observe_model_load
from registry import InMemoryJobRegistry, InMemoryScheduleStore
from registry.cached import CachedRecordReader

from . import batch_api, dashboard, errors, items_api, models_api, ops, recommend_api, retrain_api, spec_api
from .api_request import ApiRequest
from .json_provider import CompactJSONProvider
from .services import ModelIdConverter


def create_app(settings: Optional[Settings] = None, *, registry=None, provider=None, queues=None, usage_locator=None,
               schedules=None, jobs=None):
    """Build the app. Settings come from the environment unless given; collaborators from storage unless given."""
    settings = settings or Settings.from_environ(os.environ)
    logs.configure(settings)  # JSON lines, secrets redacted (observability/logs.py)
    app = Flask(__name__, static_folder=None)  # no app-wide /static route: nothing answers that no one wrote
    app.request_class = ApiRequest
    # No automatic OPTIONS answers: a method the contract does not list is a 405 like any other.
    app.config.from_mapping(SETTINGS=settings, MAX_CONTENT_LENGTH=settings.max_request_bytes,
                            PROVIDE_AUTOMATIC_OPTIONS=False)
    app.json = CompactJSONProvider(app)
    app.url_map.converters["model_id"] = ModelIdConverter
    if None in (registry, provider, queues, usage_locator):
        backends = build_backends(settings)
        # In the background: the app starts and answers /health/live while storage is down (issue 19).
        ensure_in_background(lambda: backends.ensure_resources(settings), settings.retry_backoff_seconds,
                             settings.max_retry_backoff_seconds)
        registry = registry or backends.registry
        provider = provider or ModelProvider(backends.store, CacheLimits.from_settings(settings),
                                             load_limits=LoadLimits.from_settings(settings),
                                             on_load=observe_model_load)
        queues = queues or backends.queues
        usage_locator = usage_locator or backends.usage_locator
        schedules = schedules or backends.schedules
        jobs = jobs or backends.jobs
    records = CachedRecordReader(registry, settings.registry_cache_seconds)
    app.extensions.update(registry=registry, records=records, provider=provider, queues=queues,
                          # injected collaborators without a schedule or job store (unit tests): ones in memory
                          usage_locator=usage_locator, schedules=schedules or InMemoryScheduleStore(),
                          jobs=jobs or InMemoryJobRegistry())
    errors.init_app(app)
    ops.init_app(app, settings)  # probes, and request ids, log lines and metrics
    app.register_blueprint(models_api.bp)
    app.register_blueprint(recommend_api.bp)
    app.register_blueprint(items_api.bp)
    app.register_blueprint(retrain_api.bp)
    app.register_blueprint(batch_api.bp)
    app.register_blueprint(spec_api.bp)
    app.register_blueprint(dashboard.bp)
    return app
