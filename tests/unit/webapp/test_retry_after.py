"""Every 503 the web app answers carries Retry-After, so clients and proxies back off instead of hammering
(issue 22); other answers do not."""
import pytest
from flask import abort

from api_fakes import ADMIN, make_parts
from config.settings import Settings
from registry import StorageUnavailableError
from webapp import create_app
from webapp.errors import RETRY_AFTER_SECONDS

MODEL = "6f1c2a4e-1111-4111-8111-111111111111"


class UnavailableProbe:
    def check(self):
        return {"status": "unavailable", "checks": {"settings": "ok", "table": "ServiceRequestError"}}


@pytest.fixture
def parts():
    return make_parts()


@pytest.fixture
def app(parts):
    settings = Settings.from_environ({"AZURE_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true",
                                      "ADMIN_PRIMARY_KEY": ADMIN["x-api-key"]})
    app = create_app(settings, **parts)
    app.add_url_rule("/test/abort-503", "abort_503", lambda: abort(503))
    return app


def unavailable(*args):
    raise StorageUnavailableError("table storage unreachable")


def test_storage_trouble_answers_503_with_retry_after(app, parts):
    parts["registry"].get = unavailable
    response = app.test_client().get(f"/api/models/{MODEL}", headers=ADMIN)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)


def test_a_readiness_probe_that_fails_answers_503_with_retry_after(app):
    app.extensions["storage_probe"] = UnavailableProbe()
    response = app.test_client().get("/health/ready")
    assert response.status_code == 503 and response.json["status"] == "unavailable"
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)


def test_any_other_503_gets_it_too(app):
    response = app.test_client().get("/test/abort-503")
    assert response.status_code == 503 and response.json["error"]["code"] == "InternalError"
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)


@pytest.mark.parametrize("path, headers, status", [
    (f"/api/models/{MODEL}", ADMIN, 404), ("/api/models", {}, 401), ("/health/live", {}, 200)])
def test_other_answers_have_none(app, path, headers, status):
    response = app.test_client().get(path, headers=headers)
    assert response.status_code == status
    assert "Retry-After" not in response.headers
