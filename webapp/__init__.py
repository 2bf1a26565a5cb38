"""The REST API: `gunicorn "webapp:create_app()"`."""
import os
from typing import Optional

from flask import Flask

from common import logging_setup
from common.queues import ModelQueues
from common.settings import Settings
from common.storage import StorageClients
from common.usage_blobs import list_usage_blobs
from model_provider import BlobModelStore, CacheLimits, ModelProvider
from registry import TableModelRegistry
from registry.cached import CachedRecordReader

from . import dashboard, errors, models_api, ops, recommend_api, spec_api
from .api_request import ApiRequest
from .json_provider import CompactJSONProvider
from .services import ModelIdConverter


def create_app(settings: Optional[Settings] = None, *, registry=None, provider=None, queues=None, usage_locator=None):
    """Build the app. Settings come from the environment unless given; collaborators from storage unless given."""
    settings = settings or Settings.from_environ(os.environ)
    logging_setup.configure(settings)  # JSON lines, secrets redacted (common/logging_setup.py)
    app = Flask(__name__, static_folder=None)  # no app-wide /static route: nothing answers that no one wrote
    app.request_class = ApiRequest
    # No automatic OPTIONS answers: a method the contract does not list is a 405 like any other.
    app.config.from_mapping(SETTINGS=settings, MAX_CONTENT_LENGTH=settings.max_request_bytes,
                            PROVIDE_AUTOMATIC_OPTIONS=False)
    app.json = CompactJSONProvider(app)
    app.url_map.converters["model_id"] = ModelIdConverter
    if None in (registry, provider, queues, usage_locator):
        storage = StorageClients.from_settings(settings)
        storage.ensure_resources(settings)
        registry = registry or TableModelRegistry(storage.tables.get_table_client(settings.models_table))
        provider = provider or ModelProvider(
            BlobModelStore(storage.blobs.get_container_client(settings.models_container)), CacheLimits.from_settings(settings))
        queues = queues or ModelQueues(storage.queues, settings)
        usage_locator = usage_locator or (
            lambda container, path: list_usage_blobs(storage.blobs.get_container_client(container), path))
    records = CachedRecordReader(registry, settings.registry_cache_seconds)
    app.extensions.update(registry=registry, records=records, provider=provider, queues=queues,
                          usage_locator=usage_locator)
    errors.init_app(app)
    ops.init_app(app, settings)  # probes, and request ids, log lines and metrics
    app.register_blueprint(models_api.bp)
    app.register_blueprint(recommend_api.bp)
    app.register_blueprint(spec_api.bp)
    app.register_blueprint(dashboard.bp)
    return app
