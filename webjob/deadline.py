"""A training's time limit that holds even when the training hangs in a call that never returns."""
import threading
from typing import Callable

from .cancellation import Cancellation, CancelReason
from .exceptions import TrainingDeadlineError


def call_with_deadline(function: Callable[[], object], seconds: float, cancellation: Cancellation):
    """function() in a thread of its own; its result or its exception, or TrainingDeadlineError after `seconds`.

    Past the deadline the training is cancelled, which stops one that checks; one stuck in a call (a Dask
    cluster that stopped answering) cannot be interrupted from outside, so its daemon thread is left behind.
    """
    outcome, done = {}, threading.Event()

    def run():
        try:
            outcome["result"] = function()
        except BaseException as error:  # noqa: BLE001 - handed to the waiting thread as it is (cancellations too)
            outcome["error"] = error
        finally:
            done.set()

    threading.Thread(target=run, name="training", daemon=True).start()
    if not done.wait(seconds):
        cancellation.cancel(CancelReason.DEADLINE_PASSED)
        raise TrainingDeadlineError(f"the training took longer than its deadline of {seconds:g} s "
                                    "(TRAINING_DEADLINE_SECONDS)")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
