"""Short-lived read-only SAS URLs of blob containers (or of one blob): what a Dask worker gets instead of an
account credential.

Signed with a user delegation key when the service signs in with a token credential (a managed identity:
the key is asked of storage, lives as long as the SAS, and needs no account key), and with the account key
of the connection string otherwise (Azurite).
"""
from datetime import datetime, timedelta, timezone
from typing import Callable, Optional

from azure.storage.blob import (
    BlobSasPermissions,
    BlobServiceClient,
    ContainerSasPermissions,
    generate_blob_sas,
    generate_container_sas,
)

from config.secret import Secret
from config.settings import Settings

CLOCK_SKEW = timedelta(minutes=5)
"""A SAS starts this long before now, so a storage clock a little behind ours still accepts it."""


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class ReadOnlyContainerUrls:
    """Signs container URLs that can read blobs, and nothing else (not even list them), for `lifetime`; or the
    URL of one blob, that can read that blob only."""

    def __init__(self, blob_service: BlobServiceClient, account_key: Optional[str], lifetime: timedelta,
                 clock: Callable[[], datetime] = _utc_now):
        self._service, self._account_key, self._lifetime, self._clock = blob_service, account_key, lifetime, clock

    @classmethod
    def for_settings(cls, settings: Settings, blob_service: BlobServiceClient) -> "ReadOnlyContainerUrls":
        """Signed with the connection string's AccountKey when there is one, else with a user delegation key."""
        return cls(blob_service, account_key_of(settings.azure_storage_connection_string),
                   timedelta(seconds=settings.dask_sas_seconds))

    def url_of(self, container: str) -> Secret:
        """The container's URL with a read-only SAS; a Secret, as the SAS grants access while it lasts."""
        return self._signed(self._service.get_container_client(container).url, generate_container_sas,
                            ContainerSasPermissions(read=True), container)

    def blob_url_of(self, container: str, blob: str) -> Secret:
        """One blob's URL with a SAS that reads that blob only (a batch job's model, for the Dask workers)."""
        return self._signed(self._service.get_container_client(container).get_blob_client(blob).url,
                            generate_blob_sas, BlobSasPermissions(read=True), container, blob)

    def _signed(self, url: str, generate, permission, *names) -> Secret:
        now = self._clock()
        start, expiry = now - CLOCK_SKEW, now + self._lifetime
        signing = {"account_key": self._account_key} if self._account_key else \
            {"user_delegation_key": self._service.get_user_delegation_key(start, expiry)}
        sas = generate(self._service.account_name, *names, permission=permission, start=start, expiry=expiry,
                       **signing)
        return Secret(f"{url}?{sas}")


def account_key_of(connection_string: Optional[Secret]) -> Optional[str]:
    """The AccountKey of a connection string; None without one (the service signs in with a credential)."""
    if not connection_string:
        return None
    parts = dict(part.split("=", 1) for part in str(connection_string).split(";") if "=" in part)
    return parts.get("AccountKey")
