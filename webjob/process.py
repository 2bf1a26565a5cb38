"""The worker process: settings from the environment, storage set up, stop signals taken, work."""
import logging
import os
import sys
import time

from azure.core.exceptions import AzureError

from composition import build_backends
from config.settings import Settings, SettingsError
from observability import logs
from observability.ops_server import start_ops_server

from .metered_registry import TrainingMetricsRegistry
from .worker import STOP_SIGNALS, Worker

logger = logging.getLogger(__name__)


def main() -> int:
    """Read settings from the environment, make sure storage is set up, and work until a stop signal.

    The caller has blocked STOP_SIGNALS in the main thread before any thread started (see __main__).
    """
    try:
        settings = Settings.from_environ(os.environ, require_api_keys=False)
    except SettingsError as error:
        print(f"webjob: {error}", file=sys.stderr)
        return 2
    logs.configure(settings)  # JSON lines, secrets redacted
    start_ops_server(settings)  # METRICS_PORT: /metrics and /health/*, answering while we wait
    backends = build_backends(settings)
    worker = Worker.from_storage(settings, backends.clients, registry=TrainingMetricsRegistry(backends.registry),
                                 store=backends.store, schedules=backends.schedules)
    worker.take_stop_signals(STOP_SIGNALS)
    _ensure_resources(backends, settings, worker)
    logger.info("worker started (pid %d)", os.getpid())
    worker.work()
    logger.info("worker stopped")
    return 0


def _ensure_resources(backends, settings, worker):
    """Create the table, queues (poison queues too) and container, waiting for storage if it is down."""
    delay = settings.retry_backoff_seconds
    while True:
        try:
            backends.ensure_resources(settings)
            worker.ensure_poison_queues()
            return
        except AzureError as error:
            logger.warning("storage not reachable (%s); retrying in %.1f s", error, delay)
            time.sleep(delay)
            delay = min(settings.max_retry_backoff_seconds, delay * 2)
