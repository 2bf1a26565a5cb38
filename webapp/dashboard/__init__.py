"""The management dashboard at /dashboard/: one static page that drives the public REST API.

The page holds no secret and has no back door: it asks for an admin key, keeps it in the
browser's sessionStorage and sends it as x-api-key, like any other client.
"""
from functools import partial

from flask import Blueprint, current_app

from composition import count_models_by_status
from observability.metrics_summary import MetricsSummary

from .. import services
from ..auth import require_role

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard", static_folder="static")

CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                           "form-action 'none'; frame-ancestors 'none'")
"""Only the page's own files run, and nothing reaches another origin (the admin key stays here)."""


@bp.get("/")
def index():
    """The single page; its scripts and the charting library are static files next to it."""
    return bp.send_static_file("index.html")


@bp.get("/settings")
@require_role("admin")
def settings():
    """The service settings an operator sees on the page (admin keys only); they change in the environment."""
    return {"autoDefaultModel": current_app.config["SETTINGS"].auto_default_model}


@bp.get("/operations")
@require_role("admin")
def operations():
    """The operations view's data (admin keys only): running totals of the service's own metrics, summed over
    its processes, and the models by status. The page turns two reads into rates and percentiles."""
    summary = current_app.extensions.get("metrics_summary")
    if summary is None:
        summary = MetricsSummary(partial(count_models_by_status, services.registry()))
        current_app.extensions["metrics_summary"] = summary
    return summary.current()


@bp.after_request
def add_security_headers(response):
    """A strict CSP, no MIME sniffing, no referrer, and no framing of a page that holds an admin key."""
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    return response
