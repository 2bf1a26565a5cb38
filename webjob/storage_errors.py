"""The worker's boundary with azure.core: it calls the queue and blob SDKs itself (messages, leases).

Which errors pass is common/storage_errors.py's is_transient, shared with the web app.
"""

NO_SDK_RETRIES = {"retry_total": 0}
"""Per-call options for the worker's own queue and lease calls. The worker retries those itself (its
backoff loop, the heartbeat's next beat); the storage SDK's default policy would block one call for about
85 s (15 + 18 + 24 + ... s) while storage is down, which a heartbeat or a shutdown cannot wait for."""


def describe_error(error: BaseException, limit: int = 300) -> str:
    """One line for a status message or a log: the error's type and the first line of its text."""
    lines = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    return text if len(text) <= limit else text[:limit - 3] + "..."
