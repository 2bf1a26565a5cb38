"""The worker process: settings from the environment, storage set up, stop signals taken, work."""
import logging
import os
import sys

from composition import build_backends, build_storage_gauges
from composition.resources import ensure_until_done
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
    # METRICS_PORT: /metrics (with the queues' depths and oldest ages) and /health/*, answering while we wait
    start_ops_server(settings, build_storage_gauges(settings, count_models=False))
    backends = build_backends(settings)
    worker = Worker.from_storage(settings, backends.clients, registry=TrainingMetricsRegistry(backends.registry),
                                 store=backends.store, schedules=backends.schedules, jobs=backends.jobs)
    worker.take_stop_signals(STOP_SIGNALS)
    _ensure_resources(backends, settings, worker)
    logger.info("worker started (pid %d)", os.getpid())
    worker.work()
    logger.info("worker stopped")
    return 0


def _ensure_resources(backends, settings, worker):
    """Create the table, queues (poison queues too) and container, waiting for storage if it is down."""
    def ensure():
        backends.ensure_resources(settings)
        worker.ensure_poison_queues()
    ensure_until_done(ensure, settings.retry_backoff_seconds, settings.max_retry_backoff_seconds)
