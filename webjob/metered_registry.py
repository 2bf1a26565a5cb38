"""Training metrics, read off the registry writes that settle a training: whatever trained the model
(this process or a Dask cluster), its Completed record carries the durations and a Failed one the failure;
both carry the parsing reports (events read, bad lines by reason)."""
from observability.labels import BoundedLabel
from observability.metrics import BAD_LINES, EVENTS_PARSED, TRAINING_DURATION, TRAININGS
from registry import ModelRecord, ModelStatus

DURATION_STAGES = {"total": ("totalDuration",), "training": ("trainingDuration",), "storing": ("storingDuration",),
                   "usage_parsing": ("usageEventsParsing", "duration"), "catalog_parsing": ("catalogParsing", "duration"),
                   "evaluation": ("evaluation", "duration")}
"""The `stage` label of recsvc_training_duration_seconds, and the path of the statistic each one reads."""
PARSING_REPORTS = ("usageEventsParsing", "catalogParsing")
"""The training's own parsing reports (an evaluation's held-out usage is not the training's data)."""
MAX_REASONS = 24
"""Distinct `reason` labels of recsvc_training_bad_lines_total (recommender's reasons are a dozen)."""


class TrainingMetricsRegistry:
    """A ModelRegistry that counts the trainings its updates complete or fail; everything else passes through."""

    def __init__(self, registry):
        self._registry = registry
        self._reason = BoundedLabel(MAX_REASONS)
        for outcome in ("completed", "failed"):
            TRAININGS.labels(outcome)  # both series exist from the start, at 0

    def __getattr__(self, name):
        return getattr(self._registry, name)

    def update(self, record: ModelRecord, *, if_unchanged: bool = False) -> ModelRecord:
        """Replace a record (see ModelRegistry.update); a written Completed or Failed status is counted."""
        updated = self._registry.update(record, if_unchanged=if_unchanged)
        if record.status in (ModelStatus.COMPLETED, ModelStatus.FAILED):
            self._count_training(record)
        return updated

    def _count_training(self, record: ModelRecord) -> None:
        statistics = record.statistics or {}
        if record.status == ModelStatus.COMPLETED:
            TRAININGS.labels("completed").inc()
            for stage, path in DURATION_STAGES.items():
                seconds = _statistic(statistics, path)
                if isinstance(seconds, (int, float)):
                    TRAINING_DURATION.labels(stage).observe(seconds)
        else:
            TRAININGS.labels("failed").inc()
        EVENTS_PARSED.inc((statistics.get("usageEventsParsing") or {}).get("successfulLinesCount", 0))
        for name in PARSING_REPORTS:
            for error in (statistics.get(name) or {}).get("errors", ()):
                BAD_LINES.labels(self._reason(str(error.get("error")))).inc(error.get("count", 0))


def _statistic(statistics: dict, path: tuple):
    """The value at `path` in the nested statistics, or None."""
    value = statistics
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value
