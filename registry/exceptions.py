"""The ways the model registry fails."""
from storage.errors import StorageUnavailableError as _SharedStorageUnavailableError


class RegistryError(Exception):
    """Base class of registry errors."""


class ModelNotFoundError(RegistryError, LookupError):
    """No model has this id (never created, or deleted)."""


class ConcurrentUpdateError(RegistryError):
    """Someone else changed the model since it was read (its ETag no longer matches)."""


class StorageUnavailableError(RegistryError, _SharedStorageUnavailableError):
    """The storage behind the registry could not be reached."""


class InvalidContinuationTokenError(RegistryError, ValueError):
    """A continuation token that no listing of this registry handed out."""
