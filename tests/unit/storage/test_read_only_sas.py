"""The SAS a Dask worker gets (issue 19): read only, short-lived, signed without the account key on Azure."""
import base64
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from azure.storage.blob import BlobServiceClient, UserDelegationKey

from config.secret import Secret
from config.settings import Settings, SettingsError
from storage.sas import CLOCK_SKEW, ReadOnlyContainerUrls, account_key_of

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
KEY = base64.b64encode(b"the-account-key").decode()
CONNECTION = f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={KEY};EndpointSuffix=core.windows.net"


class DelegatingService:
    """A BlobServiceClient of a token credential, as far as signing goes: it hands out user delegation keys."""

    account_name = "acct"

    def __init__(self):
        self.asked = []

    def get_user_delegation_key(self, start, expiry):
        self.asked.append((start, expiry))
        key = UserDelegationKey()
        key.signed_oid, key.signed_tid, key.signed_service, key.signed_version = "oid-1", "tid-1", "b", "2024-08-04"
        key.signed_start, key.signed_expiry = start.isoformat(), expiry.isoformat()
        key.value = base64.b64encode(b"delegated").decode()
        return key

    def get_container_client(self, name):
        return BlobServiceClient("https://acct.blob.core.windows.net").get_container_client(name)


def query_of(url: Secret) -> dict:
    return {name: values[0] for name, values in parse_qs(urlsplit(str(url)).query).items()}


def test_with_a_credential_the_sas_is_a_user_delegation_sas_that_reads_for_its_lifetime():
    service = DelegatingService()
    url = ReadOnlyContainerUrls(service, None, timedelta(hours=2), clock=lambda: NOW).url_of("usage")
    assert str(url).startswith("https://acct.blob.core.windows.net/usage?")
    sas = query_of(url)
    assert sas["sp"] == "r" and sas["sr"] == "c" and sas["skoid"] == "oid-1"
    assert sas["st"] == "2026-03-01T11:55:00Z" and sas["se"] == "2026-03-01T14:00:00Z"
    assert service.asked == [(NOW - CLOCK_SKEW, NOW + timedelta(hours=2))]  # the key lives as long as the SAS


def test_a_blob_url_reads_that_blob_only():
    urls = ReadOnlyContainerUrls(DelegatingService(), None, timedelta(hours=2), clock=lambda: NOW)
    url = urls.blob_url_of("models", "5c1e/model.sar")
    assert str(url).startswith("https://acct.blob.core.windows.net/models/5c1e/model.sar?")
    sas = query_of(url)
    assert sas["sp"] == "r" and sas["sr"] == "b" and sas["se"] == "2026-03-01T14:00:00Z"  # a blob SAS, not "c"


def test_with_a_connection_string_the_sas_is_signed_with_its_key_which_it_never_contains():
    settings = Settings.from_environ({"AZURE_STORAGE_CONNECTION_STRING": CONNECTION, "DASK_SAS_SECONDS": "600"},
                                     require_api_keys=False)
    service = BlobServiceClient.from_connection_string(CONNECTION)
    urls = ReadOnlyContainerUrls.for_settings(settings, service)
    url = str(urls.url_of("usage"))
    sas = query_of(Secret(url))
    assert sas["sp"] == "r" and "skoid" not in sas and KEY not in url and "AccountKey" not in url
    expiry = datetime.strptime(sas["se"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert timedelta(seconds=590) < expiry - datetime.now(timezone.utc) <= timedelta(seconds=600)
    assert "**" in repr(urls.url_of("usage"))


def test_the_account_key_is_read_from_the_connection_string():
    assert account_key_of(Secret(CONNECTION)) == KEY
    assert account_key_of(Secret("UseDevelopmentStorage=true")) is None
    assert account_key_of(None) is None


@pytest.mark.parametrize("environ, message", [
    ({"DASK_SAS_SECONDS": "0"}, "DASK_SAS_SECONDS must be between 1 and 604800"),
    ({"DASK_SAS_SECONDS": str(8 * 86400)}, "DASK_SAS_SECONDS must be between 1 and 604800"),
    ({"DASK_SCHEDULER_ADDRESS": "tls://s:8786", "DASK_TLS_CA_FILE": "ca.pem"}, "go together"),
    ({"DASK_SCHEDULER_ADDRESS": "tcp://s:8786", "DASK_TLS_CA_FILE": "ca.pem", "DASK_TLS_CERT": "c.pem",
      "DASK_TLS_KEY": "k.pem"}, "need a tls:// DASK_SCHEDULER_ADDRESS"),
])
def test_dask_settings_that_cannot_work_are_refused(environ, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_environ({"AZURE_STORAGE_CONNECTION_STRING": CONNECTION, **environ}, require_api_keys=False)


def test_a_dask_scheduler_with_a_keyless_connection_string_is_refused():
    with pytest.raises(SettingsError, match="AccountKey"):
        Settings.from_environ({"AZURE_STORAGE_CONNECTION_STRING": "BlobEndpoint=https://a;QueueEndpoint=https://q;"
                               "TableEndpoint=https://t;SharedAccessSignature=sv=1",
                               "DASK_SCHEDULER_ADDRESS": "tcp://s:8786"}, require_api_keys=False)
