"""Where SAR's heavy steps run for the training flow: usage parsing and the fit, in this process or on Dask.

An engine's `connect(report_progress)` is a context manager giving a loader; `loader.load(blobs, known_items,
max_errors, report_progress)` parses usage blobs into a TrainingUsage (report, n_events, n_users, fit,
events_of, release). Everything else (catalog, statistics, cold items, evaluation, storing) is the flow's.

A batch job's parts are scored the same way: `part_scorer_for` gives a LocalPartScorer, or with a scheduler a
DaskPartScorer; `score_parts(job, cancellation)` yields each part's bytes in part order.
"""
from ..batch_parts import LocalPartScorer
from .local import LocalEngine, LocalUsage, parse_blobs

__all__ = ["LocalEngine", "LocalUsage", "engine_for", "parse_blobs", "part_scorer_for"]


def engine_for(settings, blob_service):
    """The engine the settings choose: DaskEngine when DASK_SCHEDULER_ADDRESS is set, else LocalEngine."""
    if not settings.dask_scheduler_address:
        return LocalEngine(settings.training_threads or None)
    from .dask_cluster import DaskEngine  # issue 12; needs the optional `distributed` extra, so imported here

    return DaskEngine.for_settings(settings, blob_service)


def part_scorer_for(settings, blob_service):
    """Where batch jobs score their parts: on the Dask cluster when DASK_SCHEDULER_ADDRESS is set, else here."""
    if not settings.dask_scheduler_address:
        return LocalPartScorer()
    from .dask_batch import DaskPartScorer  # needs the optional `distributed` extra, so imported here

    return DaskPartScorer.for_settings(settings, blob_service)
