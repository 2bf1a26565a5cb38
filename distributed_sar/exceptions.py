"""The ways training on a Dask cluster fails, beyond the recommender's own errors."""


class ClusterTrainingError(Exception):
    """Base class: the cluster could not finish the training; the message says why, for the operator."""


class WorkerLostError(ClusterTrainingError):
    """A task kept killing the Dask workers that ran it (most often: it needs more memory than a worker has)."""


class ClusterUnavailableError(ClusterTrainingError):
    """The Dask scheduler cannot be reached, or dropped the training's tasks (a lost connection)."""
