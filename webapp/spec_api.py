"""The API's contract, served as it is kept in the repository: GET /api/openapi.yaml (no key needed)."""
from pathlib import Path

from flask import Blueprint, Response, request

from .request_schemas import no_query_schema

SPEC_PATH = Path(__file__).with_name("openapi.yaml")
SPEC_MEDIA_TYPE = "application/yaml"  # RFC 9512

bp = Blueprint("spec", __name__, url_prefix="/api")


@bp.get("/openapi.yaml")
def openapi_spec():
    """The OpenAPI 3.1 document of this service."""
    no_query_schema.load(request.args.to_dict())
    return Response(SPEC_PATH.read_bytes(), mimetype=SPEC_MEDIA_TYPE)
