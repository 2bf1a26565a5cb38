"""The buffering front (nginx) before gunicorn: slow and half-open clients never reach a gunicorn thread (issue 19)."""
import http.client
import socket
import statistics
import time
from contextlib import ExitStack
from urllib.parse import urlsplit

import pytest
import requests

from api_keys import ADMIN_KEY, KEYS
from devtools.stack import service_environ, start_webapp

ADMIN = {"x-api-key": ADMIN_KEY}
HALF_OPEN = 20
MAX_BODY = 4096


@pytest.fixture
def front(azurite, settings, storage_names, tmp_path):
    """One gunicorn process with one thread (the easiest to freeze) behind the front; yields the front's URL."""
    environ = service_environ(azurite.connection_string, KEYS, max_request_bytes=MAX_BODY, gunicorn_threads=1,
                              **storage_names)
    webapp, base_url = start_webapp(environ, tmp_path, workers=1)
    yield base_url
    webapp.stop()


def latencies(base_url: str, count: int = 10) -> list:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        answer = requests.get(f"{base_url}/api/models", headers=ADMIN, timeout=5)
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200, answer.text
    return times


def open_half_open(stack: ExitStack, base_url: str, number: int) -> None:
    """Connections that never finish: half of them stop inside the headers, half inside a declared body."""
    address = urlsplit(base_url)
    for index in range(number):
        connection = stack.enter_context(socket.create_connection((address.hostname, address.port), timeout=5))
        if index % 2:
            connection.sendall(b"GET /api/models HTTP/1.1\r\nHost: x\r\nx-api-key: ")
        else:
            connection.sendall(b"POST /api/models HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                               b"Content-Length: 1000\r\n\r\n{\"description\": ")


def test_half_open_connections_do_not_freeze_the_api(front):
    normal = statistics.median(latencies(front))
    with ExitStack() as held:
        open_half_open(held, front, HALF_OPEN)
        time.sleep(0.5)  # let the front accept them all
        during = latencies(front)
    # Straight to gunicorn, each of these requests would wait behind a held connection until it gave up (5 s).
    assert max(during) < 1.0, (normal, during)
    assert statistics.median(during) < max(10 * normal, 0.05), (normal, during)


def test_a_body_over_the_limit_is_413_whole_or_chunked(front):
    too_big = b"[" + b" " * MAX_BODY + b"]"
    whole = requests.post(f"{front}/api/models/default/recommend", headers=ADMIN, data=too_big, timeout=5)
    chunked = requests.post(f"{front}/api/models/default/recommend", headers=ADMIN, timeout=5,
                            data=(too_big[i:i + 512] for i in range(0, len(too_big), 512)))
    for answer in (whole, chunked):
        assert answer.status_code == 413, answer.text
        assert answer.json()["error"]["code"] == "PayloadTooLarge"


def test_the_front_answers_503_with_retry_after_when_the_app_is_gone(azurite, settings, storage_names, tmp_path):
    environ = service_environ(azurite.connection_string, KEYS, **storage_names)
    webapp, base_url = start_webapp(environ, tmp_path, workers=1)
    try:
        webapp.kill()
        answer = requests.get(f"{base_url}/api/models", headers=ADMIN, timeout=10)
        assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
        assert answer.json()["error"]["code"] == "ServiceUnavailable"
    finally:
        webapp.stop()


def test_a_body_the_answer_did_not_need_leaves_gunicorns_connection_usable(azurite, settings, storage_names, tmp_path):
    """A 404 given before a 100 kB body is read: gunicorn 27 drains only 64 KiB of an unread body, then drops the
    connection after answering, and the next request sent on it (as the front sends them) got no answer."""
    environ = service_environ(azurite.connection_string, KEYS, **storage_names)
    webapp, base_url = start_webapp(environ, tmp_path, workers=1, front=False)
    try:
        address = urlsplit(base_url)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
        body = b'{"outputContainerName": "' + b"x" * 100_000 + b'"}'
        for attempt in range(3):  # one keep-alive connection, as the front's to gunicorn
            connection.request("POST", "/api/models/00000000-0000-0000-0000-000000000000/batch", body=body,
                               headers={**ADMIN, "Content-Type": "application/json"})
            answer = connection.getresponse()
            assert answer.status == 404 and b"ModelNotFound" in answer.read(), attempt
        connection.close()
    finally:
        webapp.stop()
