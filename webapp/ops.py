"""Running the web app as a service: health probes, and a request id, one JSON log line and the metrics of
every request.

/health/live and /health/ready answer on the API's own port without an API key (load balancers and
App Service's health check call them there); /metrics is on the separate ops port (METRICS_PORT),
served by the gunicorn master (gunicorn.conf.py, observability/ops_server.py).
"""
import functools
import itertools
import logging
import os
import re
import time

from flask import Blueprint, Flask, current_app, g, request
from werkzeug.wsgi import LimitedStream

from observability import logs
from observability.labels import method_label
from observability.metrics import HTTP_REQUEST_DURATION, HTTP_REQUESTS, CacheMetrics
from observability.probes import READY, StorageProbe

from . import serving_metrics
from .schema_fields import GUID

logger = logging.getLogger(__name__)

bp = Blueprint("ops", __name__, url_prefix="/health")

UNMATCHED_ROUTE = "unmatched"
"""The route label of a request no route matched (404, 405): its path would make a label per URL."""
RECOMMEND_METHODS = frozenset({"GET", "POST"})
"""Recommend answers counted as served (HEAD, which werkzeug adds to every GET route, is not)."""
REQUEST_ID_HEADER = "X-Request-Id"
_CLIENT_REQUEST_ID_KEY = "HTTP_X_REQUEST_ID"  # the header in the WSGI environ
# A request id a proxy sent is kept only when it cannot forge a log line.
CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # fullmatch: `$` would let a trailing newline in


@bp.get("/live")
def live():
    """The process answers."""
    return {"status": "live"}


@bp.get("/ready")
def ready():
    """Storage answers and the settings were valid: 200, else 503 with what failed."""
    report = current_app.extensions["storage_probe"].check()
    return report, 200 if report["status"] == READY else 503


def init_app(app: Flask, settings) -> None:
    """The probes, and a request id, a log line and metrics per request.

    One hook before and one after each request: Flask checks every hook for a coroutine on every call.
    """
    app.extensions["storage_probe"] = StorageProbe(settings)
    app.extensions["cache_metrics"] = CacheMetrics(app.extensions["provider"], settings.cache_metrics_seconds)
    serving_metrics.init_app(app)
    app.register_blueprint(bp)
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.teardown_request(_end_log_context)


def new_request_id() -> str:
    """32 hex digits: a random prefix per process and a counter, unique like uuid4's but a sixth of the cost
    (an identifier to find a request's log lines by, not a secret)."""
    return f"{_PROCESS_PREFIX}{next(_REQUEST_NUMBERS):016x}"


def _new_process_prefix():
    global _PROCESS_PREFIX
    _PROCESS_PREFIX = os.urandom(8).hex()


_new_process_prefix()
os.register_at_fork(after_in_child=_new_process_prefix)  # gunicorn --preload forks workers after the import
_REQUEST_NUMBERS = itertools.count()


def _start_request():
    # The objects behind the proxies, once: every proxy access is a context lookup, and the two hooks read them
    # about thirty times a request. Werkzeug documents LocalProxy._get_current_object for this (the leading
    # underscore keeps the name from clashing with the proxied object's). Measured with timeit: 45 attribute reads
    # take 33.8 us through the proxies and 2.6 us on the objects.
    current, request_globals = request._get_current_object(), g._get_current_object()
    request_globals.started = time.perf_counter()
    given = current.environ.get(_CLIENT_REQUEST_ID_KEY, "")
    request_globals.request_id = request_id = given if CLIENT_REQUEST_ID.fullmatch(given) else new_request_id()
    model_id = (current.view_args or {}).get("model_id", "")
    context = {"requestId": request_id, "method": current.method, "route": _route(current)}
    if GUID.fullmatch(model_id):
        context["modelId"] = model_id.lower()
    request_globals.log_context = logs.bind_context(**context)


def _finish_request(response):
    current, request_globals = request._get_current_object(), g._get_current_object()  # as in _start_request
    if current.content_length:
        _discard_unread_body(current)
    duration = time.perf_counter() - request_globals.get("started", time.perf_counter())
    response.headers[REQUEST_ID_HEADER] = request_globals.get("request_id", "")
    method, status, route = current.method, response.status_code, _route(current)
    requests_counted, durations = _request_metrics(route, method_label(method), str(status))
    requests_counted.inc()
    durations.observe(duration)
    blueprint = current.blueprint
    fields = {"status": status, "durationMs": round(duration * 1000, 3)}
    if blueprint == "recommend" and status == 200 and method in RECOMMEND_METHODS:
        fields.update(serving_metrics.count_answer(current, route))
    current_app.extensions["cache_metrics"].publish()
    # The path, never the query string or the body, and a user id in the path masked: no usage event and no
    # user id reaches the log.
    level = logging.DEBUG if blueprint == bp.name else logging.INFO  # probes every few seconds: noise
    logger.log(level, '"%s %s %s" %s', method, _loggable_path(current),
               current.environ.get("SERVER_PROTOCOL", "HTTP/1.1"), status, extra=fields)
    return response


def _discard_unread_body(current) -> None:
    """Read the rest of a body the answer did not need (a 404 given before the body is parsed).

    gunicorn 27 drains at most 64 KiB of an unread body before reading the connection's next request; past that
    it drops the connection after answering, without saying so (it ignores an app's Connection header), and the
    front, which keeps its connections to gunicorn open, sends its next request on a dead one: a 502 for a POST,
    which nginx does not retry. A body over MAX_CONTENT_LENGTH is left alone: werkzeug refused it (413), and
    reading it would be what gunicorn's cap is there to avoid.
    """
    if current.content_length > (current.max_content_length or 0):
        return
    stream = current.stream  # under gunicorn, limited to MAX_CONTENT_LENGTH, not to the body: ask where it is
    if isinstance(stream, LimitedStream) and stream.tell() < current.content_length:
        stream.exhaust()


def _loggable_path(current) -> str:
    """The request's path with the {userId} of GET .../users/{userId}/recommendations masked."""
    path = current.path
    if (current.view_args or {}).get("user_id") is not None and "/users/" in path:
        head, _, tail = path.partition("/users/")
        return f"{head}/users/{{userId}}/{tail.rpartition('/')[2]}"
    return path


@functools.lru_cache(maxsize=1024)
def _request_metrics(route: str, method: str, status: str) -> tuple:
    """The request counter and duration histogram of a (route, method, status): looked up once, not per request.
    Every label is bounded: a route template or UNMATCHED_ROUTE, a known method or `other`, a status we set."""
    return HTTP_REQUESTS.labels(route, method, status), HTTP_REQUEST_DURATION.labels(route, method, status)


def _end_log_context(_error=None):
    token = g.pop("log_context", None)
    if token is not None:
        logs.unbind_context(token)


def _route(current) -> str:
    return current.url_rule.rule if current.url_rule is not None else UNMATCHED_ROUTE
