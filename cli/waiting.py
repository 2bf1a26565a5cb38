"""--wait: ask for a resource again and again until its status is final, drawing its progress meanwhile."""
import time
from typing import Callable, NamedTuple, Optional

from .exceptions import WaitTimeoutError
from .progress import ProgressBar


class Snapshot(NamedTuple):
    """What one answer says: its status, whether that is final, how far it is (0..1 or None), a line of text."""

    status: str
    final: bool
    fraction: Optional[float]
    text: str


def wait_until_final(fetch: Callable[[], dict], snapshot: Callable[[dict], Snapshot], what: str, bar: ProgressBar,
                     poll_seconds: float = 1.0, timeout: float = None, clock=time.monotonic,
                     sleep=time.sleep) -> dict:
    """Poll fetch() until its snapshot is final; returns the last answer. :raise WaitTimeoutError: past timeout"""
    started = clock()
    try:
        while True:
            answer = fetch()
            state = snapshot(answer)
            bar.update(state.fraction, state.text, f"[{clock() - started:.0f} s]")
            if state.final:
                return answer
            if timeout is not None and clock() - started > timeout:
                raise WaitTimeoutError(f"{what} is still {state.status} after {timeout:g} s")
            sleep(poll_seconds)
    finally:
        bar.close()
