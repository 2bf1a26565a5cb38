"""Waits that grow while something keeps failing."""
import random
from typing import Callable


class Backoff:
    """Doubles from `first` up to `longest`; jittered (50-100 %) so that workers do not retry in step."""

    def __init__(self, first: float, longest: float, jitter: Callable[[], float] = random.random):
        if not 0 < first <= longest:
            raise ValueError(f"need 0 < first <= longest, got {first!r} and {longest!r}")
        self._first, self._longest, self._jitter = first, longest, jitter
        self._failures = 0

    def next_delay(self) -> float:
        """The wait after one more failure."""
        delay = retry_delay(self._first, self._longest, self._failures)
        self._failures += 1
        return delay * (0.5 + self._jitter() / 2)

    def reset(self) -> None:
        """Forget the failures (the last call succeeded)."""
        self._failures = 0


def retry_delay(first: float, longest: float, failures: int) -> float:
    """first * 2**failures, at most longest."""
    return min(longest, first * 2 ** min(failures, 32))
