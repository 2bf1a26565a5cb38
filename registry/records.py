"""A model's registry record: identity, status and what training reported."""
from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import Optional


class ModelStatus(str, Enum):
    """Lifecycle of a model: Created -> InProgress -> Completed | Failed; any -> Deleting (hidden) -> gone."""

    CREATED = "Created"
    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    FAILED = "Failed"
    DELETING = "Deleting"
    """Deleted through the API: hidden from reads and listings until a worker has removed its blobs."""


@dataclass(frozen=True)
class ModelRecord:
    """One model as the registry stores it. `parameters` and `statistics` are JSON-ready dicts."""

    id: str
    description: Optional[str]
    creation_time: datetime
    status: ModelStatus
    status_message: str
    parameters: dict
    statistics: Optional[dict] = None
    etag: Optional[str] = None
    updated_time: Optional[datetime] = None
    """When the registry last wrote the record (set on reads; the sweeper ages records by it)."""
    parent_model_id: Optional[str] = None
    """The model this one retrains (POST /api/models/{id}/retrain or a schedule); None for a first model."""
    promotion_policy: Optional[dict] = None
    """{"metric", "tolerance"} (registry.promotion): when it completes, the model becomes the default only if
    it is not worse than the default by more than the tolerance; None: the first-completed rule."""

    def with_status(self, status: ModelStatus, message: str, statistics: Optional[dict] = None) -> "ModelRecord":
        """A copy in a new status; statistics kept unless new ones are given."""
        return replace(self, status=status, status_message=message,
                       statistics=self.statistics if statistics is None else statistics)

    def summary(self) -> "ModelSummary":
        """What a listing shows of this model."""
        return ModelSummary(self.id, self.description, self.creation_time, self.status)


@dataclass(frozen=True)
class ModelSummary:
    """One line of a model listing."""

    id: str
    description: Optional[str]
    creation_time: datetime
    status: ModelStatus


@dataclass(frozen=True)
class ModelPage:
    """A page of a listing, newest first; `continuation_token` asks for the next page (None on the last)."""

    summaries: list
    continuation_token: Optional[str] = None
