"""Model Registry: the model records (Azure Table in production, a dict in unit tests)."""
from .base import ModelRegistry
from .exceptions import (
                         ConcurrentUpdateError,
                         InvalidContinuationTokenError,
                         JobNotFoundError,
                         ModelNotFoundError,
                         RegistryError,
                         StorageUnavailableError,
)
from .jobs import FINAL_JOB_STATUSES, JobRecord, JobRegistry, JobStatus
from .memory import InMemoryModelRegistry
from .memory_jobs import InMemoryJobRegistry
from .records import ModelPage, ModelRecord, ModelStatus, ModelSummary
from .schedule_table import TableScheduleStore
from .schedules import InMemoryScheduleStore, ScheduleNotFoundError, ScheduleRecord
from .table import TableModelRegistry
from .table_jobs import TableJobRegistry

__all__ = ["ConcurrentUpdateError", "FINAL_JOB_STATUSES", "InMemoryJobRegistry", "InMemoryModelRegistry",
           "JobNotFoundError", "JobRecord", "JobRegistry", "JobStatus", "TableJobRegistry", "InvalidContinuationTokenError", "ModelNotFoundError",
           "ModelPage", "ModelRecord", "ModelRegistry", "ModelStatus", "ModelSummary", "RegistryError",
           "StorageUnavailableError", "TableModelRegistry", "InMemoryScheduleStore", "ScheduleNotFoundError",
           "ScheduleRecord", "TableScheduleStore"]
