"""Creating the storage resources both processes need, without making a storage outage stop a process from starting.

A process that exits because storage is down at boot is restarted in a loop by its orchestrator and never
answers /health/live; instead it starts, answers the probes (ready: 503), and creates what is missing once
storage answers (issue 19).
"""
import logging
import threading
import time
from typing import Callable

from azure.core.exceptions import AzureError

from storage.exceptions import StorageUnavailableError
from storage.retries import describe_error

logger = logging.getLogger(__name__)


def ensure_until_done(ensure: Callable[[], None], first_delay: float, longest_delay: float,
                      sleep: Callable[[float], None] = time.sleep) -> None:
    """Call ensure() until it succeeds, waiting (doubling up to longest_delay) while storage is unreachable."""
    delay = first_delay
    while True:
        try:
            ensure()
            return
        except (AzureError, StorageUnavailableError) as error:
            logger.warning("storage not reachable (%s); creating its resources again in %.1f s",
                           describe_error(error), delay)
            sleep(delay)
            delay = min(longest_delay, delay * 2)


def ensure_in_background(ensure: Callable[[], None], first_delay: float, longest_delay: float) -> threading.Thread:
    """ensure_until_done in a daemon thread, started; the caller goes on serving meanwhile."""
    thread = threading.Thread(target=ensure_until_done, args=(ensure, first_delay, longest_delay),
                              name="ensure-storage", daemon=True)
    thread.start()
    return thread
