"""The ops port (METRICS_PORT): /metrics, /health/live and /health/ready, without an API key, in a thread.

The web app's runs in the gunicorn master (it adds up the worker processes' metrics); the worker's in
the worker process. Operators keep this port internal: it is not the API's port.
"""
import json
import logging
import threading
from socketserver import ThreadingMixIn
from typing import Callable, Optional
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app

from .metrics import StorageGauges, scrape_registry
from .probes import READY, StorageProbe

logger = logging.getLogger(__name__)


def ops_app(metrics_registry, readiness: Callable[[], dict]):
    """The WSGI app of the ops port; readiness() returns the report of observability.probes.StorageProbe.check."""
    metrics = make_wsgi_app(metrics_registry)

    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return metrics(environ, start_response)
        if path == "/health/live":
            return _json(start_response, 200, {"status": "live"})
        if path == "/health/ready":
            report = readiness()
            return _json(start_response, 200 if report["status"] == READY else 503, report)
        return _json(start_response, 404, {"error": {"code": "NotFound", "message": f"no {path} here",
                                                     "details": []}})
    return app


class OpsServer:
    """A small threaded HTTP server for ops_app, serving until stop()."""

    def __init__(self, host: str, port: int, app):
        try:
            self._server = make_server(host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler)
        except OSError as error:
            raise RuntimeError(f"cannot serve the ops port on {host}:{port} (METRICS_HOST, METRICS_PORT): {error}") \
                from None
        self._thread: Optional[threading.Thread] = None

    @property
    def port(self) -> int:
        """The port it listens on (the one asked for, or the one given for 0)."""
        return self._server.server_port

    def start(self) -> "OpsServer":
        """Serve in a daemon thread; returns self."""
        self._thread = threading.Thread(target=self._server.serve_forever, name="ops-server", daemon=True)
        self._thread.start()
        logger.info("ops port %d: /metrics, /health/live, /health/ready", self.port)
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass  # scrapes and probes every few seconds would drown the log


def _json(start_response, status: int, body: dict):
    payload = json.dumps(body).encode()
    reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def start_ops_server(settings, storage_gauges: Optional[StorageGauges] = None) -> Optional[OpsServer]:
    """Serve the ops port of METRICS_PORT (None when it is 0); with storage_gauges, models and queues too."""
    if not settings.metrics_port:
        return None
    registry = scrape_registry()
    if storage_gauges is not None:
        registry.register(storage_gauges)
    app = ops_app(registry, StorageProbe(settings).check)
    return OpsServer(settings.metrics_host, settings.metrics_port, app).start()
