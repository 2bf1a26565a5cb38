"""`python -m webjob`: run one worker until SIGTERM."""
import logging
import os
import sys
import time

from azure.core.exceptions import AzureError

from common.settings import Settings, SettingsError
from common.storage import StorageClients
from model_provider import BlobModelStore
from registry import TableModelRegistry

from .worker import Worker


def main() -> int:
    """Read settings from the environment, make sure storage is set up, and work."""
    try:
        settings = Settings.from_environ(os.environ, require_api_keys=False)
    except SettingsError as error:
        print(f"webjob: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    storage = StorageClients.from_settings(settings)
    _ensure_resources(storage, settings)
    worker = Worker(
        settings,
        registry=TableModelRegistry(storage.tables.get_table_client(settings.models_table)),
        store=BlobModelStore(storage.blobs.get_container_client(settings.models_container)),
        blobs=storage.blobs,
        train_queue=storage.queues.get_queue_client(settings.train_queue),
        delete_queue=storage.queues.get_queue_client(settings.delete_queue),
    )
    worker.install_signal_handlers()
    logging.getLogger(__name__).info("worker started")
    worker.work()
    return 0


def _ensure_resources(storage, settings, max_delay: float = 30.0):
    """Create the queues, table and container, waiting for storage to come up if it is down."""
    delay = settings.queue_poll_seconds
    while True:
        try:
            storage.ensure_resources(settings)
            return
        except AzureError as error:
            logging.getLogger(__name__).warning("storage not reachable (%s); retrying in %.1f s", error, delay)
            time.sleep(delay)
            delay = min(max_delay, delay * 2)


if __name__ == "__main__":
    sys.exit(main())
