"""The futures of one training on a Dask cluster: submitted, awaited with progress, cancelled together."""
import uuid
import weakref
from concurrent.futures import CancelledError
from typing import Callable, Optional

from distributed import Future, KilledWorker, wait

from .exceptions import ClusterUnavailableError, WorkerLostError

POLL_SECONDS = 0.5
"""Longest wait between two progress calls while tasks run: how fast a cancellation is noticed."""

URGENT = 1
"""Priority of the tasks that consume other tasks' results (merges, sums): they run before new input is read,
so results do not pile up on the workers."""


class Tasks:
    """Submits a training's tasks to a Dask client under unique keys, waits for them, cancels them together.

    Waiting calls `on_tick` at least every POLL_SECONDS; it may raise (a cancelled training), and then the
    caller is expected to call cancel(). A task that errs raises its error in the caller; a task that
    killed its workers raises WorkerLostError; a task the scheduler dropped raises ClusterUnavailableError.
    """

    def __init__(self, client, poll_seconds: float = POLL_SECONDS):
        self.client = client
        self._poll_seconds = poll_seconds
        self._submitted = weakref.WeakSet()

    @property
    def n_workers(self) -> int:
        """Workers the scheduler knows right now (at least 1)."""
        return max(1, len(self.workers))

    @property
    def workers(self) -> list:
        """Addresses of the workers the scheduler knows right now."""
        return sorted(self.client.nthreads())

    def submit(self, function: Callable, *args, label: str = "", priority: int = 0, worker: str = None) -> Future:
        """Run function(*args) on the cluster; futures among args are replaced by their results.

        `worker` is a preference only: the task runs elsewhere if that worker is busy or gone.
        """
        key = f"{function.__name__}-{label + '-' if label else ''}{uuid.uuid4().hex[:12]}"
        future = self.client.submit(function, *args, key=key, priority=priority, pure=False,
                                    workers=[worker] if worker else None, allow_other_workers=bool(worker))
        self._submitted.add(future)
        return future

    def scatter(self, data, broadcast: bool = False) -> Future:
        """Place data on the cluster once, for many tasks to use."""
        future = self.client.scatter(data, broadcast=broadcast, hash=False)
        self._submitted.add(future)
        return future

    def reduce(self, function: Callable, futures: list, label: str = "", worker: str = None) -> Future:
        """function applied pairwise to neighbours, in a tree, keeping the order: ((a, b), (c, d))..."""
        level = list(futures)
        while len(level) > 1:
            merged = [self.submit(function, left, right, label=label, priority=URGENT, worker=worker)
                      for left, right in zip(level[0::2], level[1::2])]
            level = merged + level[-1:] if len(level) % 2 else merged
        return level[0]

    def wait(self, futures: list, on_tick: Callable[[int], None]):
        """Wait until every future is done, calling on_tick(number done) as they finish and while they run."""
        pending, done_count = set(futures), 0
        while pending:
            try:
                with self.client.as_current():
                    wait(pending, timeout=self._poll_seconds, return_when="FIRST_COMPLETED")
            except (TimeoutError, CancelledError):  # nothing done yet; a cancelled future is told by check()
                pass
            done = {future for future in pending if future.done()}
            pending -= done
            for future in done:
                check(future)
            done_count += len(done)
            self._check_client()
            on_tick(done_count)

    def result(self, future: Future, on_tick: Optional[Callable[[int], None]] = None):
        """The future's result, once done (see wait)."""
        self.wait([future], on_tick or (lambda done: None))
        return future.result()

    def cancel(self):
        """Let go of every task of this training still held: the scheduler forgets those not run yet.

        Releasing, rather than Client.cancel, which asserts in the scheduler when a cancelled task has
        dependents that no client holds (the intermediate merges and sums here).
        """
        for future in list(self._submitted):
            future.release()
        self._submitted.clear()

    def _check_client(self):
        if self.client.status in ("closing", "closed", "failed"):
            raise ClusterUnavailableError(f"the connection to the Dask scheduler is {self.client.status}")


def check(future: Future):
    """Raise what went wrong with a finished future, in the operator's words; nothing when it succeeded."""
    if future.status == "error":
        error = future.exception()
        if isinstance(error, KilledWorker):
            raise WorkerLostError(
                f"{error.allowed_failures + 1} Dask workers died in turn running the task {error.task!r}, and the "
                f"cluster gave up on it (workers killed for exceeding their memory limit, most likely: give them "
                f"more memory, or split the usage data into more, smaller files)") from None
        future.result()  # raises the task's own error, with its traceback
    elif future.status in ("cancelled", "lost"):
        raise ClusterUnavailableError(f"the Dask scheduler dropped the task {future.key!r} "
                                      f"(a lost connection, or a restarted scheduler)")
