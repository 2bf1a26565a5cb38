"""Model Registry: the model records (Azure Table in production, a dict in unit tests)."""
from .base import ModelRegistry
from .exceptions import (
                         ConcurrentUpdateError,
                         InvalidContinuationTokenError,
                         ModelNotFoundError,
                         RegistryError,
                         StorageUnavailableError,
)
from .memory import InMemoryModelRegistry
from .records import ModelPage, ModelRecord, ModelStatus, ModelSummary
from .schedule_table import TableScheduleStore
from .schedules import InMemoryScheduleStore, ScheduleNotFoundError, ScheduleRecord
from .table import TableModelRegistry

__all__ = ["ConcurrentUpdateError", "InMemoryModelRegistry", "InvalidContinuationTokenError", "ModelNotFoundError",
           "ModelPage", "ModelRecord", "ModelRegistry", "ModelStatus", "ModelSummary", "RegistryError",
           "StorageUnavailableError", "TableModelRegistry", "InMemoryScheduleStore", "ScheduleNotFoundError",
           "ScheduleRecord", "TableScheduleStore"]
