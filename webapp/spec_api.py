"""The API's contract, served as it is kept in the repository: GET /api/openapi.yaml, and Swagger UI on it at
GET /api/docs (no key needed for either; "Try it out" sends the key given under "Authorize")."""
from pathlib import Path

from flask import Blueprint, Response, abort, request, send_file

from .request_schemas import no_query_schema

SPEC_PATH = Path(__file__).with_name("openapi.yaml")
SPEC_MEDIA_TYPE = "application/yaml"  # RFC 9512
DOCS_DIR = Path(__file__).with_name("api_docs")
DOCS_ASSETS = {
    "swagger-ui-bundle.js": (DOCS_DIR / "vendor" / "swagger-ui-bundle.js", "text/javascript"),
    "swagger-ui.css": (DOCS_DIR / "vendor" / "swagger-ui.css", "text/css"),
    "swagger-init.js": (DOCS_DIR / "swagger-init.js", "text/javascript"),
}
"""The files the docs page loads (path, media type), by the name it asks for (Swagger UI is vendored: nothing from a CDN)."""
DOCS_CONTENT_SECURITY_POLICY = ("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                                "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
"""Only the page's own files run and it talks to its own origin only; Swagger UI sets inline styles."""

bp = Blueprint("spec", __name__, url_prefix="/api")


@bp.get("/openapi.yaml")
def openapi_spec():
    """The OpenAPI 3.1 document of this service."""
    no_query_schema.load(request.args.to_dict())
    return Response(SPEC_PATH.read_bytes(), mimetype=SPEC_MEDIA_TYPE)


@bp.get("/docs")
def docs_page():
    """Swagger UI on /api/openapi.yaml."""
    no_query_schema.load(request.args.to_dict())
    return send_file(DOCS_DIR / "index.html", mimetype="text/html")


@bp.get("/docs/<asset>")
def docs_asset(asset: str):
    """A script or style sheet of the docs page; 404 for any other name."""
    no_query_schema.load(request.args.to_dict())
    if asset not in DOCS_ASSETS:
        abort(404)
    path, media_type = DOCS_ASSETS[asset]
    return send_file(path, mimetype=media_type, max_age=3600)


@bp.after_request
def add_security_headers(response):
    """The docs page's CSP; no MIME sniffing, no framing."""
    if request.endpoint in ("spec.docs_page", "spec.docs_asset"):
        response.headers["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
    return response
