"""The management dashboard at /dashboard/: one static page that drives the public REST API.

The page holds no secret and has no back door: it asks for an admin key, keeps it in the
browser's sessionStorage and sends it as x-api-key, like any other client.
"""
from flask import Blueprint, current_app

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


@bp.after_request
def add_security_headers(response):
    """A strict CSP, no MIME sniffing, no referrer, and no framing of a page that holds an admin key."""
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    return response
