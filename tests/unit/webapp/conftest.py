"""The web app's fixtures: in-memory collaborators (`parts`) and a test client on them (`client`)."""
import pytest
from api_fakes import MAX_REQUEST_BYTES, make_client, make_parts


@pytest.fixture
def parts():
    return make_parts()


@pytest.fixture
def max_request_bytes():
    """The body limit of `client`; a module overrides this fixture to change it."""
    return MAX_REQUEST_BYTES


@pytest.fixture
def client(parts, max_request_bytes):
    return make_client(parts, max_request_bytes)
