"""Model Registry: the model records (Azure Table in production, a dict in unit tests)."""
from .base import ModelRegistry
from .exceptions import ConcurrentUpdateError, ModelNotFoundError, RegistryError, StorageUnavailableError
from .memory import InMemoryModelRegistry
from .records import ModelRecord, ModelStatus
from .table import TableModelRegistry

__all__ = ["ConcurrentUpdateError", "InMemoryModelRegistry", "ModelNotFoundError", "ModelRecord", "ModelRegistry",
           "ModelStatus", "RegistryError", "StorageUnavailableError", "TableModelRegistry"]
