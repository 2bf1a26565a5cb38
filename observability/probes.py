"""Readiness: can this process reach the storage it needs? Answered within seconds, even when storage is down.

The service's own storage clients retry for several seconds before giving up (storage/clients.py); a
probe must answer faster than the orchestrator's probe timeout, so it has clients of its own that try
once with short timeouts.
"""
import logging
import threading
import time

from config.settings import Settings
from storage.clients import StorageClients

logger = logging.getLogger(__name__)

PROBE_TIMEOUT_SECONDS = 2
"""Connection and read timeout of each probe call."""
READY, UNAVAILABLE, OK = "ready", "unavailable", "ok"


def quick_clients(settings: Settings) -> StorageClients:
    """Storage clients that try once with short timeouts: for probes and scrapes, which must answer quickly."""
    options = {"connection_timeout": PROBE_TIMEOUT_SECONDS, "read_timeout": PROBE_TIMEOUT_SECONDS, "retry_total": 0}
    return StorageClients.connect(settings, options)


class StorageProbe:
    """Checks the models table, the train and delete queues and the models container exist and answer."""

    def __init__(self, settings: Settings, clock=time.monotonic):
        self._settings, self._clock = settings, clock
        self._checks = None  # built at the first check: a bad connection string is then a failed check
        self._lock = threading.Lock()  # one check at a time: concurrent probes share its answer
        self._answer, self._answered_at = None, None

    def _build_checks(self) -> dict:
        settings, storage = self._settings, quick_clients(self._settings)
        return {
            "table": storage.tables.get_table_client(settings.models_table).get_table_access_policy,
            "trainQueue": storage.queues.get_queue_client(settings.train_queue).get_queue_properties,
            "deleteQueue": storage.queues.get_queue_client(settings.delete_queue).get_queue_properties,
            "modelsContainer": storage.blobs.get_container_client(settings.models_container).get_container_properties,
        }

    def check(self) -> dict:
        """{"status": "ready" | "unavailable", "checks": {name: "ok" | the error's kind}}; the same answer for
        READINESS_CACHE_SECONDS, so that unauthenticated probes cannot make storage calls at will.

        Settings are valid by construction: a process with bad settings stops at start.
        """
        with self._lock:
            now = self._clock()
            if self._answer is None or now - self._answered_at >= self._settings.readiness_cache_seconds:
                self._answer, self._answered_at = self._check_storage(), now
            return self._answer

    def _check_storage(self) -> dict:
        results = {"settings": OK}
        try:
            self._checks = self._checks or self._build_checks()
        except ValueError as error:  # the connection string cannot be parsed
            self._checks = {}
            results["connectionString"] = type(error).__name__
        for name, call in self._checks.items():
            try:
                call()
                results[name] = OK
            except Exception as error:  # noqa: BLE001 - any failure means not ready; the kind is enough to act on
                results[name] = type(error).__name__
        status = READY if all(result == OK for result in results.values()) else UNAVAILABLE
        if status != READY:
            logger.warning("not ready: %s", {name: result for name, result in results.items() if result != OK})
        return {"status": status, "checks": results}
