"""In-memory collaborators of the web app (the registry's own fake and small fakes with the same interfaces)."""
import json

from flask.testing import FlaskClient

from config.settings import Settings
from model_provider import ModelBlobNotFoundError, Recommender
from recommender import SARParameters, fit, make_events
from registry import InMemoryJobRegistry, InMemoryModelRegistry, ModelStatus
from storage.exceptions import ContainerNotFoundError
from webapp import create_app

ADMIN, ADMIN_2 = {"x-api-key": "unit-admin-key-1"}, {"x-api-key": "unit-admin-key-2"}
RECOMMEND, RECOMMEND_2 = {"x-api-key": "unit-recommend-key-1"}, {"x-api-key": "unit-recommend-key-2"}
VALID_BODY = {"blobContainerName": "data", "usageRelativePath": "usage/"}
MAX_REQUEST_BYTES = 2000


class FakeQueues:
    def __init__(self):
        self.sent = []

    def send_train(self, model_id):
        self.sent.append(("train", model_id))

    def send_delete(self, model_id):
        self.sent.append(("delete", model_id))

    def send_batch(self, job_id):
        self.sent.append(("batch", job_id))


class FakeProvider:
    def __init__(self):
        self.models, self.forgotten = {}, []

    def get(self, model_id):
        try:
            return Recommender(self.models[model_id], max_answers=100, max_answer_bytes=2**20, idle_seconds=60.0)
        except KeyError:
            raise ModelBlobNotFoundError(model_id) from None

    def forget(self, model_id):
        self.forgotten.append(model_id)


def blobs_in_container_data(container, path):
    """The usage locator: container `data` holds usage/a.csv, catalog.csv and a folder test/ with test/b.csv."""
    if container != "data":
        raise ContainerNotFoundError(container)
    blobs = {"usage": ["usage/a.csv"], "usage/a.csv": ["usage/a.csv"], "catalog.csv": ["catalog.csv"],
             "test": ["test/b.csv"]}
    return blobs.get(path, [])


def make_parts() -> dict:
    return {"registry": InMemoryModelRegistry(), "provider": FakeProvider(), "queues": FakeQueues(),
            "usage_locator": blobs_in_container_data, "jobs": InMemoryJobRegistry()}


def refuse_constant(name: str):
    raise AssertionError(f"the answer holds {name}, which is not JSON")


class StrictJsonClient(FlaskClient):
    """The test client, which parses every JSON answer strictly: NaN or Infinity in one fails the test."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        if response.is_json and response.get_data():  # a HEAD answer has no body
            json.loads(response.get_data(), parse_constant=refuse_constant)
        return response


def make_client(parts: dict, max_request_bytes: int = MAX_REQUEST_BYTES, **environ):
    settings = Settings.from_environ({"AZURE_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true", "ADMIN_PRIMARY_KEY": "unit-admin-key-1",
                                      "ADMIN_SECONDARY_KEY": "unit-admin-key-2", "RECOMMEND_PRIMARY_KEY": "unit-recommend-key-1",
                                      "RECOMMEND_SECONDARY_KEY": "unit-recommend-key-2",
                                      "MAX_REQUEST_BYTES": str(max_request_bytes), **environ})
    app = create_app(settings, **parts)
    app.test_client_class = StrictJsonClient
    return app.test_client()


def completed_model(client, parts, **parameters) -> str:
    """Create a model through the API, then complete it with a model trained on two clusters."""
    model_id = client.post("/api/models", json=VALID_BODY, headers=ADMIN).json["id"]
    record = parts["registry"].get(model_id)
    parts["registry"].update(record.with_status(ModelStatus.COMPLETED, "done"))
    events = make_events(["u1", "u1", "u2", "u2", "u3"], ["x", "y", "x", "y", "z"])
    parts["provider"].models[model_id] = fit(events, SARParameters(support_threshold=1, **parameters))
    return model_id
