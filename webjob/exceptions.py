"""The ways a worker's hold on a message, a model or a training ends early, and the ways a training fails."""


class TrainingCancelledError(BaseException):
    """The training must stop now: the model was deleted, the worker is stopping, or another worker took over.

    A BaseException, like KeyboardInterrupt, so that a broad `except Exception` inside the
    training flow cannot swallow a cancellation.
    """

    def __init__(self, reason):
        super().__init__(reason.value)
        self.reason = reason


class MessageLostError(Exception):
    """The worker no longer holds the queue message: it became visible and another worker received it."""


class LeaseLostError(Exception):
    """The model's training lease is no longer this worker's: broken (the model was deleted) or taken."""


class TrainingFailedError(Exception):
    """Training cannot succeed with this model's inputs; the message is for the operator.

    `statistics` holds what the training measured before it failed (the parsing reports above all).
    """

    def __init__(self, message: str, statistics: dict = None):
        super().__init__(message)
        self.statistics = statistics


class TrainingDeadlineError(Exception):
    """A training attempt ran past TRAINING_DEADLINE_SECONDS: the model fails with this reason."""


class UnusableInputError(Exception):
    """A set of input files cannot be used: missing, unreadable, past the tolerance, or with no valid line."""


class BatchScoringError(Exception):
    """A batch job's parts cannot be scored where they run: the Dask workers scoring them kept dying."""
