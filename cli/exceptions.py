"""What can go wrong in recsvc; main turns each into one line on stderr and an exit code."""


class UsageError(Exception):
    """The command line or a file it names is wrong; the message says how."""


class ApiError(Exception):
    """The API answered with an error: its HTTP status, error code and message."""

    def __init__(self, status: int, code: str, message: str, details=None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or []

    def __str__(self):
        fields = "; ".join(f"{detail.get('field')}: {detail.get('message')}" for detail in self.details
                           if isinstance(detail, dict) and detail.get("field"))
        return f"{self.status} {self.code}: {self.message}" + (f" ({fields})" if fields else "")


class ConnectionFailedError(Exception):
    """The endpoint did not answer (down, wrong address, timeout)."""


class UploadError(Exception):
    """A file could not be read or stored; the message says which."""


class WaitTimeoutError(Exception):
    """The model did not end within the time given to --wait."""
