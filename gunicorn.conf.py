"""Recommended gunicorn settings: `gunicorn "webapp:create_app()"` picks this file up from the working directory.

Scoring is CPU-bound Python and numpy work, so one process per core, and one thread per process by
default (GUNICORN_THREADS): threads of one process take turns on the GIL, and each short release (a
numpy call, a socket write) can cost a request a whole switch interval of waiting.
Settings are checked here, before any process starts; logs are JSON lines; the master serves the
ops port (METRICS_PORT: /metrics summed over the workers, /health/*), see docs/operations.md.
"""
import gc
import os
import sys

from gunicorn.glogging import Logger

from config.settings import Settings, SettingsError
from observability import logs, metrics_multiprocess

try:
    _settings = Settings.from_environ(os.environ)
except SettingsError as _error:
    sys.exit(f"gunicorn: {_error}")
# Before anything imports prometheus_client: the workers inherit the folder through the environment.
_metrics_dir, _own_metrics_dir = metrics_multiprocess.prepare(os.environ)

bind = _settings.gunicorn_bind
workers = _settings.web_concurrency or os.cpu_count() or 2
worker_class = "gthread"
threads = _settings.gunicorn_threads
timeout = 120  # a first request may download and load a large model
graceful_timeout = 10
keepalive = 5
# gunicorn's most (default 4094): the longest valid URL, a 450-character itemId of 4-byte UTF-8 characters
# percent-encoded, is about 5.5 kB. Longer request lines get gunicorn's own 414 (see webapp/openapi.yaml).
limit_request_line = 8190
# gunicorn 25+'s control socket lives in $HOME, which a read-only container has not; nothing here uses it.
control_socket_disable = True
logconfig_dict = logs.gunicorn_logconfig(_settings)


class AppLogsRequests(Logger):
    """gunicorn's logger without its access line: the app logs each request as a JSON line with its route,
    status and request id (webapp/ops.py). With a logconfig_dict, gunicorn would build every access line's
    fields (a few percent of a request) even with its access logger silenced."""

    def access(self, resp, req, environ, request_time):
        pass


accesslog = None
logger_class = AppLogsRequests


def when_ready(server):
    from composition import build_storage_gauges  # imports prometheus_client and the SDKs: only now
    from observability.ops_server import start_ops_server
    start_ops_server(_settings, build_storage_gauges(_settings))


def post_worker_init(worker):
    # Everything the worker holds once the app is loaded (modules, classes, the app) lives as long as the
    # process: out of reach of the cycle collector, whose full passes would otherwise walk it all (tens of
    # milliseconds, in the middle of some request) again and again.
    gc.collect()  # garbage of the start-up first: frozen, it would never be collected
    gc.freeze()


def worker_exit(server, worker):
    # Cache counts reach the metrics at most once a second: the last second's, before the worker goes.
    cache_metrics = getattr(getattr(worker, "wsgi", None), "extensions", {}).get("cache_metrics")
    if cache_metrics is not None:
        cache_metrics.publish(force=True)


def child_exit(server, worker):
    metrics_multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _own_metrics_dir:
        metrics_multiprocess.remove(_metrics_dir)
