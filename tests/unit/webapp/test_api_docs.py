"""GET /api/docs: Swagger UI on /api/openapi.yaml, from vendored files only, without a key (issue 22)."""
import re
from urllib.parse import urljoin

import pytest

from api_fakes import make_client, make_parts
from webapp.spec_api import DOCS_ASSETS, DOCS_DIR

PAGE = "/api/docs"


@pytest.fixture
def client():
    return make_client(make_parts())


def referenced_files(html: str) -> list:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_the_page_needs_no_key_and_loads_only_files_of_this_service(client):
    response = client.get(PAGE)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    files = [name for name in referenced_files(response.text) if not name.startswith("data:")]
    assert sorted(files) == ["docs/swagger-init.js", "docs/swagger-ui-bundle.js", "docs/swagger-ui.css"]


@pytest.mark.parametrize("name, media_type", [("swagger-ui-bundle.js", "text/javascript"),
                                              ("swagger-ui.css", "text/css"),
                                              ("swagger-init.js", "text/javascript")])
def test_each_file_the_page_loads_is_served_as_kept(client, name, media_type):
    response = client.get(urljoin(PAGE, f"docs/{name}"))
    assert response.status_code == 200 and response.mimetype == media_type
    assert response.data == DOCS_ASSETS[name][0].read_bytes()
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_page_shows_the_served_spec(client):
    script = client.get("/api/docs/swagger-init.js").text
    (spec_url,) = re.findall(r'new URL\("([^"]+)", window\.location\.href\)', script)
    assert client.get(urljoin(PAGE, spec_url)).mimetype == "application/yaml"
    assert "validatorUrl: null" in script  # the default would send the spec to a public validator


def test_the_vendored_swagger_ui_keeps_its_licence_notes():
    vendor = DOCS_DIR / "vendor"
    assert "Apache License" in (vendor / "swagger-ui-LICENSE").read_text()
    assert "SmartBear" in (vendor / "swagger-ui-NOTICE").read_text()
    assert (vendor / "swagger-ui-bundle.js.LICENSE.txt").stat().st_size > 0


@pytest.mark.parametrize("path, status", [("/api/docs/openapi.yaml", 404), ("/api/docs/..%2fopenapi.yaml", 404),
                                          ("/api/docs/index.html", 404), ("/api/docs?x=1", 400)])
def test_nothing_else_is_served_there(client, path, status):
    assert client.get(path).status_code == status
