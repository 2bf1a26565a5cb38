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
from .table import TableModelRegistry

__all__ = ["ConcurrentUpdateError", "InMemoryModelRegistry", "InvalidContinuationTokenError", "ModelNotFoundError",
           "ModelPage", "ModelRecord", "ModelRegistry", "ModelStatus", "ModelSummary", "RegistryError",
           "StorageUnavailableError", "TableModelRegistry"]
