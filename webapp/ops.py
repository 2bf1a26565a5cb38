"""Running the web app as a service: health probes, one JSON log line and the metrics of every request.

/health/live and /health/ready answer on the API's own port without an API key (load balancers and
App Service's health check call them there); /metrics is on the separate ops port (METRICS_PORT),
served by the gunicorn master (gunicorn.conf.py, common/ops_server.py).
"""
import logging
import time

from flask import Blueprint, Flask, current_app, g, request

from common import logging_setup
from common.health import READY, StorageProbe
from common.metrics import HTTP_REQUEST_DURATION, HTTP_REQUESTS, RECOMMENDATIONS_SERVED, CacheMetrics

from .schemas import GUID

logger = logging.getLogger(__name__)

bp = Blueprint("ops", __name__, url_prefix="/health")

UNMATCHED_ROUTE = "unmatched"
"""The route label of a request no route matched (404, 405): its path would make a label per URL."""
RECOMMEND_KINDS = {"GET": "item_to_item", "POST": "personalized"}


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
    """The probes, and a log line and metrics per request. After errors.init_app (it sets the request id)."""
    app.extensions["storage_probe"] = StorageProbe(settings)
    app.extensions["cache_metrics"] = CacheMetrics(app.extensions["provider"])
    app.register_blueprint(bp)
    app.before_request(_start_request)
    app.after_request(_finish_request)
    app.teardown_request(_end_log_context)


def _start_request():
    g.started = time.perf_counter()
    model_id = (request.view_args or {}).get("model_id", "")
    context = {"requestId": g.get("request_id"), "method": request.method, "route": _route()}
    if GUID.fullmatch(model_id):
        context["modelId"] = model_id.lower()
    g.log_context = logging_setup.bind_context(**context)


def _finish_request(response):
    duration = time.perf_counter() - g.get("started", time.perf_counter())
    route, status = _route(), str(response.status_code)
    HTTP_REQUESTS.labels(route, request.method, status).inc()
    HTTP_REQUEST_DURATION.labels(route, request.method, status).observe(duration)
    if request.blueprint == "recommend" and response.status_code == 200:
        RECOMMENDATIONS_SERVED.labels(RECOMMEND_KINDS[request.method]).inc()
    current_app.extensions["cache_metrics"].publish()
    # The path, never the query string or the body: no usage event and no user id reaches the log.
    level = logging.DEBUG if request.blueprint == bp.name else logging.INFO  # probes every few seconds: noise
    logger.log(level, '"%s %s %s" %s', request.method, request.path, request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                status, extra={"status": response.status_code, "durationMs": round(duration * 1000, 3)})
    return response


def _end_log_context(_error=None):
    token = g.pop("log_context", None)
    if token is not None:
        logging_setup.unbind_context(token)


def _route() -> str:
    return request.url_rule.rule if request.url_rule is not None else UNMATCHED_ROUTE
