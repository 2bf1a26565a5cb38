"""How the service signs in to storage (issue 19): a connection string (Azurite) or the account's name with a
token credential (a managed identity), chosen in one place for the service's clients, the probes and the ops port."""
import pytest
from azure.core.credentials import TokenCredential

from composition.backends import build_backends
from config.settings import Settings, SettingsError
from observability.logs import secrets_of
from observability.probes import quick_clients
from storage.clients import StorageClients

ACCOUNT_KEY = "a2V5LW9mLXRoZS1henVyaXRlLWFjY291bnQ="
CONNECTION = (f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={ACCOUNT_KEY};"
              "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;"
              "TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;")


def settings_of(**environ) -> Settings:
    return Settings.from_environ({"ADMIN_PRIMARY_KEY": "a-long-admin-key-1", **environ})


@pytest.mark.parametrize("environ, expected", [
    ({}, "neither"),
    ({"AZURE_STORAGE_CONNECTION_STRING": CONNECTION, "AZURE_STORAGE_ACCOUNT_NAME": "acct"}, "both"),
])
def test_exactly_one_way_to_reach_storage_is_set(environ, expected):
    with pytest.raises(SettingsError, match=f"AZURE_STORAGE_CONNECTION_STRING.*AZURE_STORAGE_ACCOUNT_NAME.*{expected}"):
        settings_of(**environ)


def clients_of_every_builder(settings) -> dict:
    return {"service": StorageClients.from_settings(settings), "probes": quick_clients(settings),
            "backends": build_backends(settings).clients}


def test_an_account_name_gives_every_client_a_token_credential_and_the_account_s_https_endpoints():
    settings = settings_of(AZURE_STORAGE_ACCOUNT_NAME="recsvcacct", AZURE_STORAGE_ENDPOINT_SUFFIX="core.chinacloudapi.cn",
                           AZURE_CLIENT_ID="00000000-0000-0000-0000-000000000001")
    credentials = set()
    for builder, clients in clients_of_every_builder(settings).items():
        for service in ("blob", "table", "queue"):
            client = getattr(clients, service + "s")
            assert isinstance(client.credential, TokenCredential), (builder, service)
            assert client.url.rstrip("/") == f"https://recsvcacct.{service}.core.chinacloudapi.cn", (builder, service)
            credentials.add(id(client.credential))
    assert len(credentials) == 1  # one credential per process and identity: one token cache, one sign-in


def test_a_connection_string_gives_every_client_its_account_key_and_endpoints():
    settings = settings_of(AZURE_STORAGE_CONNECTION_STRING=CONNECTION)
    for builder, clients in clients_of_every_builder(settings).items():
        for service, port in (("blobs", 10000), ("tables", 10002), ("queues", 10001)):
            client = getattr(clients, service)
            assert not isinstance(client.credential, TokenCredential), (builder, service)  # the shared key
            assert client.url.rstrip("/") == f"http://127.0.0.1:{port}/devstoreaccount1", (builder, service)


def test_with_a_managed_identity_only_the_api_keys_are_secrets_to_redact():
    assert secrets_of(settings_of(AZURE_STORAGE_ACCOUNT_NAME="acct")) == ["a-long-admin-key-1"]
    assert ACCOUNT_KEY in secrets_of(settings_of(AZURE_STORAGE_CONNECTION_STRING=CONNECTION))
