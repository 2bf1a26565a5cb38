"""Telling a passing storage outage from an error that retrying the same call cannot fix: the worker retries
the one later, the web app answers it with 503 StorageUnavailable."""
from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

from registry import StorageUnavailableError

TRANSIENT_STATUS_CODES = {408, 429, 500, 502, 503, 504}


def is_transient(error: BaseException) -> bool:
    """True for connection failures, timeouts, throttling and server errors: worth trying again later."""
    if isinstance(error, (StorageUnavailableError, ServiceRequestError, ServiceResponseError,
                          ConnectionError, TimeoutError)):
        return True
    return isinstance(error, HttpResponseError) and error.status_code in TRANSIENT_STATUS_CODES
