"""Training metrics, read off the registry writes that settle a training: whatever trained the model
(this process or a Dask cluster), its Completed record carries the durations and a Failed one the failure."""
from observability.metrics import TRAINING_DURATION, TRAININGS
from registry import ModelRecord, ModelStatus

DURATION_STAGES = {"total": "totalDuration", "training": "trainingDuration", "storing": "storingDuration"}
"""The `stage` label of recsvc_training_duration_seconds, and the statistic each one reads."""


class TrainingMetricsRegistry:
    """A ModelRegistry that counts the trainings its updates complete or fail; everything else passes through."""

    def __init__(self, registry):
        self._registry = registry
        for outcome in ("completed", "failed"):
            TRAININGS.labels(outcome)  # both series exist from the start, at 0

    def __getattr__(self, name):
        return getattr(self._registry, name)

    def update(self, record: ModelRecord, *, if_unchanged: bool = False) -> ModelRecord:
        """Replace a record (see ModelRegistry.update); a written Completed or Failed status is counted."""
        updated = self._registry.update(record, if_unchanged=if_unchanged)
        if record.status == ModelStatus.COMPLETED:
            TRAININGS.labels("completed").inc()
            for stage, statistic in DURATION_STAGES.items():
                seconds = (record.statistics or {}).get(statistic)
                if isinstance(seconds, (int, float)):
                    TRAINING_DURATION.labels(stage).observe(seconds)
        elif record.status == ModelStatus.FAILED:
            TRAININGS.labels("failed").inc()
        return updated
