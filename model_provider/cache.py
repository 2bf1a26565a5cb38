"""The sliding-expiry cache both cache levels use: bounded in entries and in approximate bytes."""
import threading
from typing import Callable, Optional

from cachetools import TTLCache


class SlidingCache(TTLCache):
    """A thread-safe TTLCache whose entries expire `idle_seconds` after their last use.

    Bounded twice: at most `max_entries` entries and at most `max_bytes` of
    their sizes (as `size_of` measures them); past either bound the least
    recently used entries go first. A value larger than `max_bytes` is not
    kept at all. Counts hits, misses and evictions for the metrics.
    """

    def __init__(self, *, max_entries: int, max_bytes: int, idle_seconds: float,
                 size_of: Callable[[object], int], clock: Callable[[], float]):
        super().__init__(maxsize=max_bytes, ttl=idle_seconds, timer=clock, getsizeof=size_of)
        self.max_entries = max_entries
        self.hits = self.misses = self.evictions = 0
        self._lock = threading.RLock()

    def lookup(self, key) -> Optional[object]:
        """The value for `key`, restarting its idle time, or None."""
        with self._lock:
            try:
                value = super().__getitem__(key)
            except KeyError:
                self.misses += 1
                return None
            super().__setitem__(key, value)  # re-inserting restarts the entry's time to live
            self.hits += 1
            return value

    def store(self, key, value) -> bool:
        """Keep `value` under `key`, evicting as needed; False when it is too large to keep."""
        with self._lock:
            if self.getsizeof(value) > self.maxsize:
                return False
            super().__setitem__(key, value)
            while len(self) > self.max_entries:
                self.popitem()
            return True

    def __len__(self):
        with self._lock:  # metrics read it from another thread
            return super().__len__()

    def values_now(self) -> list:
        """The values held now, read under the cache's lock: the metrics read them from another thread."""
        with self._lock:
            return [value for value in (self.get(key) for key in list(self)) if value is not None]

    def discard(self, key) -> None:
        with self._lock:
            self.pop(key, None)

    def popitem(self):
        # cachetools documents overriding popitem as the hook for evictions; TTLCache's expiry does not call it.
        self.evictions += 1  # capacity evictions only: expiry goes through expire(), not here
        return super().popitem()
