"""Settings read once from environment variables into a frozen object (see docs/configuration.md)."""
import base64
import binascii
from dataclasses import dataclass, fields
from typing import Mapping, Optional

from .exceptions import SettingsError  # noqa: F401 - importable from here, where it is raised
from .secret import Secret

POISON_SUFFIX = "-poison"
"""A queue's poison queue is its name plus this (the Azure WebJobs convention)."""
MAX_QUEUE_NAME_LENGTH = 63
"""Azure's limit on a queue name."""
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
BOOLEANS = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}
STORAGE_SERVICES = ("Blob", "Queue", "Table")
"""The storage services the service uses; each needs an endpoint, explicit or derived from AccountName."""


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
    batch_queue: str = "batch-jobs"
    """Batch scoring jobs (issue 23), consumed by the same workers after deletions and trainings."""
    batch_rows_per_part: int = 50_000
    """Users scored into one output part blob (and held in memory at once) by a batch job."""
    queue_poll_seconds: float = 1.0
    """How long the worker sleeps when both queues are empty."""
    message_visibility_seconds: int = 60
    """How long a received message stays hidden from other workers; a training worker renews it every third."""
    heartbeat_seconds: float = 5.0
    """How often a training worker writes its progress and checks that the model is still there and still its own."""
    max_dequeue_count: int = 5
    """Deliveries of one message before it moves to the poison queue (a train message's model is marked Failed)."""
    retry_backoff_seconds: float = 1.0
    """First wait after a failed training attempt or a storage error; doubled each time up to the next setting."""
    max_retry_backoff_seconds: float = 30.0
    """Longest such wait."""
    max_parsing_errors: int = 100
    """Bad usage lines tolerated; the next one fails the training."""
    model_cache_seconds: float = 86400.0
    """Sliding idle time after which a loaded model leaves the web app's cache."""
    model_cache_entries: int = 8
    """Most models one web process keeps loaded."""
    model_cache_bytes: int = 8 * 2**30
    """Most approximate bytes of loaded models one web process keeps (a larger model is served uncached)."""
    answer_cache_seconds: float = 86400.0
    """Sliding idle time of a cached item-to-item answer (the second cache level, per model)."""
    answer_cache_entries: int = 100_000
    """Most cached item-to-item answers per loaded model."""
    answer_cache_bytes: int = 256 * 2**20
    """Most approximate bytes of cached item-to-item answers per loaded model."""
    registry_cache_seconds: float = 5.0
    """How long a web process trusts a Completed model record or the default id it read: the longest
    a deleted model can still be served by another process."""
    cache_metrics_seconds: float = 1.0
    """How often, at most, a web process adds its cache counts to /metrics (on a request); 0: after each one."""
    max_request_bytes: int = 1_048_576
    """Largest request body the web app accepts (413 above)."""
    log_level: str = "INFO"
    """Least level of the JSON log lines: DEBUG, INFO, WARNING, ERROR or CRITICAL."""
    gunicorn_bind: str = "127.0.0.1:8000"
    """Where gunicorn listens for the API (gunicorn.conf.py; the image sets 0.0.0.0:8000)."""
    web_concurrency: int = 0
    """gunicorn worker processes; 0: one per core."""
    gunicorn_threads: int = 1
    """Threads per gunicorn worker process. One: scoring holds the GIL, and threads that take turns on it wait
    for each other (docs/benchmarks.md measured 4 threads at half the throughput and twice the p99)."""
    metrics_port: int = 0
    """Port of the ops server (/metrics, /health/live, /health/ready; no API key); 0: none. The image sets 9100."""
    metrics_host: str = "127.0.0.1"
    """Address the ops server listens on (the image sets 0.0.0.0); keep the port internal."""
    auto_default_model: bool = True
    """The first model to complete becomes the default when none is set (the original's behaviour); false: an
    operator always chooses the default (PUT /api/models/default), so a new model never serves by itself."""
    dask_scheduler_address: Optional[str] = None
    """A Dask scheduler (e.g. tcp://scheduler:8786): the worker then parses and trains on that cluster
    (needs the `distributed` extra; see docs/scaling.md). Unset: training runs in the worker's own process."""

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
                    "model_cache_entries", "model_cache_bytes", "answer_cache_seconds", "answer_cache_entries",
                    "answer_cache_bytes", "registry_cache_seconds", "max_request_bytes", "heartbeat_seconds",
                    "max_dequeue_count", "batch_rows_per_part", "retry_backoff_seconds", "max_retry_backoff_seconds",
                    "gunicorn_threads")
        for name in positive:
            if getattr(self, name) <= 0:
                raise SettingsError(f"setting {name.upper()} must be positive, got {getattr(self, name)!r}")
        if self.cache_metrics_seconds < 0:
            raise SettingsError(f"setting CACHE_METRICS_SECONDS must be >= 0, got {self.cache_metrics_seconds!r}")
        if self.max_parsing_errors < 0:
            raise SettingsError(f"setting MAX_PARSING_ERRORS must be >= 0, got {self.max_parsing_errors!r}")
        if self.max_retry_backoff_seconds < self.retry_backoff_seconds:
            raise SettingsError(f"setting MAX_RETRY_BACKOFF_SECONDS must be >= RETRY_BACKOFF_SECONDS, "
                                f"got {self.max_retry_backoff_seconds!r}")
        if self.web_concurrency < 0:
            raise SettingsError(f"setting WEB_CONCURRENCY must be >= 0 (0: one per core), got {self.web_concurrency!r}")
        _check_connection_string(str(self.azure_storage_connection_string))
        if self.log_level not in LOG_LEVELS:
            raise SettingsError(f"setting LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {self.log_level!r}")
        if not 0 <= self.metrics_port <= 65535:
            raise SettingsError(f"setting METRICS_PORT must be 0 (off) or a port up to 65535, "
                                f"got {self.metrics_port!r}")
        for name in ("train_queue", "delete_queue", "batch_queue"):
            if len(getattr(self, name)) > MAX_QUEUE_NAME_LENGTH - len(POISON_SUFFIX):
                raise SettingsError(f"setting {name.upper()} leaves no room for its poison queue's "
                                    f"{POISON_SUFFIX!r} suffix: at most {MAX_QUEUE_NAME_LENGTH - len(POISON_SUFFIX)} "
                                    f"characters, got {getattr(self, name)!r}")

    @property
    def train_poison_queue(self) -> str:
        """Where train messages go after MAX_DEQUEUE_COUNT deliveries (the Azure WebJobs naming)."""
        return self.train_queue + POISON_SUFFIX

    @property
    def delete_poison_queue(self) -> str:
        """Where delete messages go after MAX_DEQUEUE_COUNT deliveries."""
        return self.delete_queue + POISON_SUFFIX

    @property
    def batch_poison_queue(self) -> str:
        """Where batch messages go after MAX_DEQUEUE_COUNT deliveries (their job is marked Failed)."""
        return self.batch_queue + POISON_SUFFIX

    def api_keys(self, role: str) -> list:
        """The configured keys (as str) of a role: 'admin' or 'recommend'."""
        keys = (self.admin_primary_key, self.admin_secondary_key) if role == "admin" else \
            (self.recommend_primary_key, self.recommend_secondary_key)
        return [str(key) for key in keys if key]


def _check_connection_string(value: str):
    """Refuse a connection string the storage SDKs would refuse later, or sign requests with a broken key.

    The message names the setting and the part at fault, never the value: it holds the account key.
    """
    def malformed(reason: str):
        return SettingsError(f"setting AZURE_STORAGE_CONNECTION_STRING is malformed: {reason}")

    pairs = [segment.split("=", 1) for segment in value.strip().rstrip(";").split(";")]
    if any(len(pair) != 2 or not pair[0].strip() for pair in pairs):
        raise malformed("expected Name=value pairs separated by ';' (as the Azure portal shows it)")
    parts = {name.strip().lower(): part.strip() for name, part in pairs}
    if parts.get("usedevelopmentstorage", "").lower() == "true":
        return
    if "sharedaccesssignature" not in parts and not {"accountname", "accountkey"} <= parts.keys():
        raise malformed("it needs AccountName and AccountKey, or SharedAccessSignature")
    if "accountkey" in parts:
        try:
            base64.b64decode(parts["accountkey"], validate=True)
        except binascii.Error:
            raise malformed("AccountKey is not base64 (is it cut short?)") from None
    missing = [service for service in STORAGE_SERVICES
               if f"{service.lower()}endpoint" not in parts and "accountname" not in parts]
    if missing:
        raise malformed(f"no {', '.join(f'{service}Endpoint' for service in missing)} and no AccountName to derive "
                        f"{'it' if len(missing) == 1 else 'them'} from")


def _cast(name: str, raw: str, annotation):
    kind = str(annotation)
    try:
        if "Secret" in kind:
            return Secret(raw)
        if kind in ("bool", "<class 'bool'>"):
            return BOOLEANS[raw.lower()]
        if kind in ("int", "<class 'int'>"):
            return int(raw)
        if kind in ("float", "<class 'float'>"):
            return float(raw)
    except KeyError:
        raise SettingsError(f"setting {name} must be true or false, got {raw!r}") from None
    except ValueError:
        raise SettingsError(f"setting {name} must be a number, got {raw!r}") from None
    return raw
