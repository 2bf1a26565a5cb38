"""Settings read once from environment variables into a frozen object (see docs/configuration.md)."""
from dataclasses import dataclass, fields
from typing import Mapping, Optional

from .secret import Secret


class SettingsError(ValueError):
    """A setting is missing or has a bad value; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Every tunable of the service. Field names are the environment variables, lower-cased."""

    azure_storage_connection_string: Secret
    admin_primary_key: Secret
    admin_secondary_key: Optional[Secret] = None
    recommend_primary_key: Optional[Secret] = None
    recommend_secondary_key: Optional[Secret] = None
    models_table: str = "models"
    models_container: str = "models"
    train_queue: str = "train-models"
    delete_queue: str = "delete-models"
    queue_poll_seconds: float = 1.0
    """How long the worker sleeps when both queues are empty."""
    message_visibility_seconds: int = 300
    """How long a received message stays hidden from other workers."""
    max_parsing_errors: int = 100
    """Bad usage lines tolerated; the next one fails the training."""
    model_cache_seconds: float = 86400.0
    """Sliding idle time after which a loaded model leaves the web app's cache."""
    model_cache_entries: int = 8
    """Most models one web process keeps loaded."""
    max_request_bytes: int = 1_048_576
    """Largest request body the web app accepts (413 above)."""
    log_level: str = "INFO"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], *, require_api_keys: bool = True) -> "Settings":
        """Read settings from a mapping such as os.environ; SettingsError names a bad variable."""
        values = {}
        for spec in fields(cls):
            name = spec.name.upper()
            raw = environ.get(name, "").strip()
            if not raw:
                continue
            values[spec.name] = _cast(name, raw, spec.type)
        for required in ("azure_storage_connection_string",) + (("admin_primary_key",) if require_api_keys else ()):
            if required not in values:
                raise SettingsError(f"setting {required.upper()} is missing, and has no default")
        values.setdefault("admin_primary_key", None)
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self):
        """Reject values no deployment could mean; the message names the variable."""
        positive = ("queue_poll_seconds", "message_visibility_seconds", "model_cache_seconds",
                    "model_cache_entries", "max_request_bytes")
        for name in positive:
            if getattr(self, name) <= 0:
                raise SettingsError(f"setting {name.upper()} must be positive, got {getattr(self, name)!r}")
        if self.max_parsing_errors < 0:
            raise SettingsError(f"setting MAX_PARSING_ERRORS must be >= 0, got {self.max_parsing_errors!r}")

    def api_keys(self, role: str) -> list:
        """The configured keys (as str) of a role: 'admin' or 'recommend'."""
        keys = (self.admin_primary_key, self.admin_secondary_key) if role == "admin" else \
            (self.recommend_primary_key, self.recommend_secondary_key)
        return [str(key) for key in keys if key]


def _cast(name: str, raw: str, annotation):
    kind = str(annotation)
    try:
        if "Secret" in kind:
            return Secret(raw)
        if kind in ("int", "<class 'int'>"):
            return int(raw)
        if kind in ("float", "<class 'float'>"):
            return float(raw)
    except ValueError:
        raise SettingsError(f"setting {name} must be a number, got {raw!r}") from None
    return raw
