"""Recommended gunicorn settings: `gunicorn "webapp:create_app()"` picks this file up from the working directory.

Scoring is CPU-bound numpy work, so one process per core; a few threads per
process overlap the storage calls (registry reads, model downloads).
Settings are checked here, before any process starts; logs are JSON lines; the master serves the
ops port (METRICS_PORT: /metrics summed over the workers, /health/*), see docs/operations.md.
"""
import os
import sys

from common import logging_setup, metrics_multiprocess
from common.settings import Settings, SettingsError

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
# No gunicorn access log: the app logs each request as a JSON line with its route, status and request id.
accesslog = None
logconfig_dict = logging_setup.gunicorn_logconfig(_settings)


def when_ready(server):
    from common.ops_server import start_ops_server  # imports prometheus_client: only now
    start_ops_server(_settings, storage_gauges=True)


def child_exit(server, worker):
    metrics_multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _own_metrics_dir:
        metrics_multiprocess.remove(_metrics_dir)
