"""Admin keys may do everything, recommend keys only recommend; both roles rotate (primary, secondary).

The whole role x route matrix runs against the live service in tests/e2e/test_auth_matrix.py; here are the
rules that need the inside of the app: constant-time comparison, and keys never echoed or logged.
"""
import hmac
import logging

import pytest
from api_fakes import ADMIN, ADMIN_2, RECOMMEND, RECOMMEND_2

from webapp import auth


@pytest.mark.parametrize("headers, status, code", [
    ({}, 401, "Unauthorized"),
    ({"x-api-key": ""}, 401, "Unauthorized"),
    ({"x-api-key": "wrong"}, 401, "Unauthorized"),
    ({"x-api-key": "unit-admin-key-1 "}, 401, "Unauthorized"),
    ({"x-api-key": "ADMIN-1"}, 401, "Unauthorized"),
    ({"Authorization": "Bearer unit-admin-key-1"}, 401, "Unauthorized"),
    (RECOMMEND, 403, "Forbidden"),
    (RECOMMEND_2, 403, "Forbidden"),
])
def test_an_admin_route_refuses_other_keys(client, headers, status, code):
    response = client.get("/api/models", headers=headers)
    assert (response.status_code, response.json["error"]["code"]) == (status, code)


@pytest.mark.parametrize("headers", [ADMIN, ADMIN_2])
def test_both_admin_keys_work(client, headers):
    assert client.get("/api/models", headers=headers).status_code == 200


def test_every_configured_key_is_compared_whatever_the_key_sent(client, monkeypatch):
    """No early exit: an admin key, a recommend key and a wrong key cost the same comparisons."""
    calls, compare = [], hmac.compare_digest

    def counting_compare(a, b):
        calls.append((len(a), len(b)))
        return compare(a, b)
    monkeypatch.setattr(auth.hmac, "compare_digest", counting_compare)
    counts = []
    for headers in (ADMIN, RECOMMEND_2, {"x-api-key": "a-much-longer-wrong-key"}):
        calls.clear()
        client.get("/api/models", headers=headers)
        counts.append(calls[:])
    assert counts[0] == counts[1] == counts[2] == [(32, 32)] * 4  # four keys; digests of equal length


def test_only_valid_keys_are_remembered_and_a_wrong_key_is_compared_every_time(client, monkeypatch):
    compared = []
    real = auth._compared_role
    monkeypatch.setattr(auth, "_compared_role", lambda key: compared.append(key) or real(key))
    for headers in (ADMIN, ADMIN, {"x-api-key": "wrong"}, {"x-api-key": "wrong"}, RECOMMEND, RECOMMEND):
        client.get("/api/models", headers=headers)
    assert compared == ["unit-admin-key-1", "wrong", "wrong", "unit-recommend-key-1"]
    assert client.application.extensions["api_key_roles"] == {"unit-admin-key-1": "admin", "unit-recommend-key-1": "recommend"}
    assert client.get("/api/models", headers=RECOMMEND).status_code == 403  # a remembered key keeps its role


def test_keys_are_never_echoed_nor_logged(client, caplog):
    sent = {"x-api-key": "a-guessed-key-1234"}
    with caplog.at_level(logging.DEBUG):
        responses = [client.get("/api/models", headers=sent), client.get("/api/models", headers=RECOMMEND),
                     client.get("/api/models/x", headers=ADMIN)]
    for response in responses:
        text = response.get_data(as_text=True) + str(response.headers)
        assert not any(key in text for key in ("a-guessed-key-1234", "unit-recommend-key-1", "unit-admin-key-1"))
    assert not any(key in caplog.text for key in ("a-guessed-key-1234", "unit-recommend-key-1", "unit-admin-key-1"))
