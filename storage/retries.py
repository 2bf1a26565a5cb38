"""Storage failures in practice: telling a passing outage from an error that retrying the same call cannot fix (the worker
retries the one later, the web app answers it with 503 StorageUnavailable), and describing either in one line."""
from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

from .exceptions import StorageUnavailableError

TRANSIENT_STATUS_CODES = {408, 429, 500, 502, 503, 504}

NO_SDK_RETRIES = {"retry_total": 0}
"""Per-call options for the worker's own queue and lease calls. The worker retries those itself (its
backoff loop, the heartbeat's next beat); the storage SDK's default policy would block one call for about
85 s (15 + 18 + 24 + ... s) while storage is down, which a heartbeat or a shutdown cannot wait for."""


def is_transient(error: BaseException) -> bool:
    """True for connection failures, timeouts, throttling and server errors: worth trying again later."""
    if isinstance(error, (StorageUnavailableError, ServiceRequestError, ServiceResponseError,
                          ConnectionError, TimeoutError)):
        return True
    return isinstance(error, HttpResponseError) and error.status_code in TRANSIENT_STATUS_CODES


def describe_error(error: BaseException, limit: int = 300) -> str:
    """One line for a status message or a log: the error's type and the first line of its text."""
    lines = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    return text if len(text) <= limit else text[:limit - 3] + "..."
