"""Settings read once from environment variables into a frozen object (see docs/configuration.md)."""
import base64
import binascii
import math
import uuid
from dataclasses import dataclass, fields
from typing import Mapping, Optional

from .exceptions import SettingsError  # noqa: F401 - importable from here, where it is raised
from .secret import Secret

POISON_SUFFIX = "-poison"
"""A queue's poison queue is its name plus this (the Azure WebJobs convention)."""
MAX_QUEUE_NAME_LENGTH = 63
"""Azure's limit on a queue name."""
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MIN_API_KEY_LENGTH = 16
"""Shortest API key accepted: a short key can be guessed (the demo's keys are long enough too)."""
API_KEY_SETTINGS = ("admin_primary_key", "admin_secondary_key", "recommend_primary_key", "recommend_secondary_key")

MAX_SAS_SECONDS = 7 * 86400
"""Longest lifetime Azure allows a user delegation key, so the longest SAS signed with one."""

MAX_METRICS_MODEL_IDS = 10
"""Most model ids METRICS_MODEL_IDS may list: each adds series to every per-model metric."""
BOOLEANS = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}
STORAGE_SERVICES = ("Blob", "Queue", "Table")
"""The storage services the service uses; each needs an endpoint, explicit or derived from AccountName."""


POSITIVE_SETTINGS = (
    "queue_poll_seconds", "message_visibility_seconds", "model_cache_seconds", "model_cache_entries",
    "model_cache_bytes", "model_max_blob_bytes", "model_max_header_bytes", "model_failure_seconds",
    "answer_cache_seconds", "answer_cache_entries", "answer_cache_bytes", "registry_cache_seconds",
    "max_request_bytes", "heartbeat_seconds", "max_dequeue_count", "batch_rows_per_part", "retry_backoff_seconds",
    "max_retry_backoff_seconds", "gunicorn_threads", "training_deadline_seconds", "sweep_interval_seconds",
    "stale_message_seconds")
NON_NEGATIVE_SETTINGS = {"readiness_cache_seconds": "", "cache_metrics_seconds": "", "max_interruptions": "",
                         "max_parsing_errors": "", "training_threads": " (0: one per core)",
                         "web_concurrency": " (0: one per core)"}
"""Settings that may be 0, and what 0 means where it means more than none."""


@dataclass(frozen=True)
class Settings:
    """Every tunable of the service. Field names are the environment variables, lower-cased."""

    admin_primary_key: Secret
    azure_storage_connection_string: Optional[Secret] = None
    """The account with its key: Azurite locally. Exactly one of this and AZURE_STORAGE_ACCOUNT_NAME is set."""
    azure_storage_account_name: Optional[str] = None
    """The account on Azure, reached with DefaultAzureCredential (a managed identity): no key in the service."""
    azure_storage_endpoint_suffix: str = "core.windows.net"
    """DNS suffix of the account's endpoints (https://NAME.blob.SUFFIX); another one in national clouds."""
    azure_client_id: Optional[str] = None
    """Client id of the user-assigned managed identity DefaultAzureCredential uses; unset: its own choice."""
    admin_secondary_key: Optional[Secret] = None
    recommend_primary_key: Optional[Secret] = None
    recommend_secondary_key: Optional[Secret] = None
    models_table: str = "models"
    models_container: str = "models"
    usage_containers: Optional[str] = None
    """Comma-separated blob containers a model may read its data from (blobContainerName); unset: any container
    but the service's own (MODELS_CONTAINER), which is always refused."""
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
    max_interruptions: int = 10
    """Worker shutdowns (SIGTERM) one training may go through without using up a delivery; past it, a shutdown
    counts as a failed delivery, so a message that keeps a worker from stopping cannot loop for ever."""
    retry_backoff_seconds: float = 1.0
    """First wait after a failed training attempt or a storage error; doubled each time up to the next setting."""
    max_retry_backoff_seconds: float = 30.0
    """Longest such wait."""
    training_deadline_seconds: float = 21600.0
    """Longest one training attempt may take (6 h); past it the model is Failed with that reason, even when the
    training hangs in a call that never returns (a Dask cluster that stopped answering)."""
    sweep_interval_seconds: float = 300.0
    """How often the workers (one at a time, by a blob lease) look for what lost its message or its record:
    model blobs with no record, and models left Created, Deleting or InProgress (see the next setting)."""
    stale_message_seconds: float = 900.0
    """A model Created or Deleting unchanged this long, or InProgress this long with no training lease held, has
    lost its message: the sweeper sends it again (a duplicate is dropped by the training lease)."""
    max_parsing_errors: int = 100
    """Bad usage lines tolerated; the next one fails the training."""
    training_threads: int = 0
    """Threads that count co-occurrences in the worker's own training; 0: one per core. The model is the same
    bit for bit whatever the number."""
    model_cache_seconds: float = 86400.0
    """Sliding idle time after which a loaded model leaves the web app's cache."""
    model_cache_entries: int = 8
    """Most models one web process keeps loaded."""
    model_cache_bytes: int = 8 * 2**30
    """Most approximate bytes of loaded models one web process keeps (a larger model is served uncached)."""
    model_max_blob_bytes: int = 8 * 2**30
    """Largest model blob a web process downloads; a larger one is refused as ModelCorrupt after its first range."""
    model_max_header_bytes: int = 1_048_576
    """Largest JSON header of a model blob, refused before it is parsed (a trained model's header holds a few KB)."""
    model_failure_seconds: float = 30.0
    """How long a web process remembers a model blob it could not read (by its ETag) instead of reading it again."""
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
    readiness_cache_seconds: float = 3.0
    """How long /health/ready repeats its last answer: unauthenticated probes then cost at most four storage
    calls per this time and process; 0: every probe asks storage."""
    metrics_host: str = "127.0.0.1"
    """Address the ops server listens on (the image sets 0.0.0.0); keep the port internal."""
    metrics_model_ids: str = ""
    """Model ids (comma-separated, at most MAX_METRICS_MODEL_IDS) whose requests the metrics label by id; the
    /default routes are labelled `default` and every other model `other`, so the series stay bounded."""
    auto_default_model: bool = True
    """The first model to complete becomes the default when none is set (the original's behaviour); false: an
    operator always chooses the default (PUT /api/models/default), so a new model never serves by itself."""
    dask_scheduler_address: Optional[str] = None
    """A Dask scheduler (e.g. tcp://scheduler:8786): the worker then parses and trains on that cluster
    (needs the `distributed` extra; see docs/scaling.md). Unset: training runs in the worker's own process."""
    dask_sas_seconds: int = 7200
    """Lifetime of the read-only SAS of a usage container that a training hands the Dask workers instead of
    any account credential; longer than parsing the largest usage takes."""
    dask_tls_ca_file: Optional[str] = None
    """PEM file of the CA that signed the Dask scheduler's and workers' certificates: the worker then speaks
    mutual TLS to the scheduler (a tls:// address) with DASK_TLS_CERT and DASK_TLS_KEY."""
    dask_tls_cert: Optional[str] = None
    """PEM file of this worker's Dask client certificate."""
    dask_tls_key: Optional[str] = None
    """PEM file of that certificate's private key."""

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
        if require_api_keys and "admin_primary_key" not in values:
            raise SettingsError("setting ADMIN_PRIMARY_KEY is missing, and has no default")
        values.setdefault("admin_primary_key", None)
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self):
        """Reject values no deployment could mean; the message names the variable."""
        for name in POSITIVE_SETTINGS:
            if getattr(self, name) <= 0:
                raise SettingsError(f"setting {name.upper()} must be positive, got {getattr(self, name)!r}")
        for name, meaning_of_zero in NON_NEGATIVE_SETTINGS.items():
            if getattr(self, name) < 0:
                raise SettingsError(f"setting {name.upper()} must be >= 0{meaning_of_zero}, got {getattr(self, name)!r}")
        for name in API_KEY_SETTINGS:
            key = getattr(self, name)
            if key is not None and len(str(key)) < MIN_API_KEY_LENGTH:
                raise SettingsError(f"setting {name.upper()} must be at least {MIN_API_KEY_LENGTH} characters, "
                                    f"got {len(str(key))}")  # the key itself is never written out
        if self.max_retry_backoff_seconds < self.retry_backoff_seconds:
            raise SettingsError(f"setting MAX_RETRY_BACKOFF_SECONDS must be >= RETRY_BACKOFF_SECONDS, "
                                f"got {self.max_retry_backoff_seconds!r}")
        if self.log_level not in LOG_LEVELS:
            raise SettingsError(f"setting LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {self.log_level!r}")
        if not 0 <= self.metrics_port <= 65535:
            raise SettingsError(f"setting METRICS_PORT must be 0 (off) or a port up to 65535, "
                                f"got {self.metrics_port!r}")
        if self.allowed_usage_containers is not None and self.allowed_usage_containers & self.service_containers:
            raise SettingsError(f"setting USAGE_CONTAINERS must not name the service's own container "
                                f"{self.models_container!r} (MODELS_CONTAINER)")
        self._validate_storage_access()
        self._validate_dask()
        self._validate_metrics_model_ids()
        for name in ("train_queue", "delete_queue", "batch_queue"):
            if len(getattr(self, name)) > MAX_QUEUE_NAME_LENGTH - len(POISON_SUFFIX):
                raise SettingsError(f"setting {name.upper()} leaves no room for its poison queue's "
                                    f"{POISON_SUFFIX!r} suffix: at most {MAX_QUEUE_NAME_LENGTH - len(POISON_SUFFIX)} "
                                    f"characters, got {getattr(self, name)!r}")

    def _validate_storage_access(self):
        if bool(self.azure_storage_connection_string) == bool(self.azure_storage_account_name):
            raise SettingsError("set exactly one of AZURE_STORAGE_CONNECTION_STRING (an account key: Azurite) and "
                                "AZURE_STORAGE_ACCOUNT_NAME (a managed identity: Azure), got "
                                + ("both" if self.azure_storage_account_name else "neither"))
        if self.azure_storage_connection_string:
            _check_connection_string(str(self.azure_storage_connection_string))

    def _validate_dask(self):
        if not 0 < self.dask_sas_seconds <= MAX_SAS_SECONDS:
            raise SettingsError(f"setting DASK_SAS_SECONDS must be between 1 and {MAX_SAS_SECONDS} (7 days), "
                                f"got {self.dask_sas_seconds!r}")
        tls = (self.dask_tls_ca_file, self.dask_tls_cert, self.dask_tls_key)
        if any(tls) and not all(tls):
            raise SettingsError("settings DASK_TLS_CA_FILE, DASK_TLS_CERT and DASK_TLS_KEY go together: "
                                "set all three or none")
        if any(tls) and not str(self.dask_scheduler_address or "").startswith("tls://"):
            raise SettingsError("the DASK_TLS_* settings need a tls:// DASK_SCHEDULER_ADDRESS, got "
                                f"{self.dask_scheduler_address!r}")
        if self.dask_scheduler_address and self.azure_storage_connection_string and \
                "AccountKey=" not in str(self.azure_storage_connection_string):
            raise SettingsError("DASK_SCHEDULER_ADDRESS with AZURE_STORAGE_CONNECTION_STRING needs the string's "
                                "AccountKey, which signs the Dask workers' read-only SAS")

    @property
    def service_containers(self) -> frozenset:
        """The containers the service writes: never a model's data (a model could read another's blob)."""
        return frozenset({self.models_container})

    @property
    def allowed_usage_containers(self) -> Optional[frozenset]:
        """The containers USAGE_CONTAINERS allows, or None for any (but the service's own)."""
        if self.usage_containers is None:
            return None
        return frozenset(name.strip() for name in self.usage_containers.split(",") if name.strip())

    def _validate_metrics_model_ids(self):
        ids = self.metrics_model_id_set
        if len(ids) > MAX_METRICS_MODEL_IDS:
            raise SettingsError(f"setting METRICS_MODEL_IDS lists {len(ids)} models; at most {MAX_METRICS_MODEL_IDS}")
        for model_id in ids:
            try:
                uuid.UUID(model_id)
            except ValueError:
                raise SettingsError(f"setting METRICS_MODEL_IDS must list model ids (GUIDs), got {model_id!r}") \
                    from None

    @property
    def metrics_model_id_set(self) -> frozenset:
        """The model ids of METRICS_MODEL_IDS, lower-cased (as the API's model ids)."""
        return frozenset(part.strip().lower() for part in self.metrics_model_ids.split(",") if part.strip())

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
            value = float(raw)
            if not math.isfinite(value):  # nan passes every comparison check, inf every upper one
                raise ValueError(raw)
            return value
    except KeyError:
        raise SettingsError(f"setting {name} must be true or false, got {raw!r}") from None
    except ValueError:
        raise SettingsError(f"setting {name} must be a number, got {raw!r}") from None
    return raw
