"""The ways the model registry fails."""
from storage import exceptions as storage_exceptions


class RegistryError(Exception):
    """Base class of registry errors."""


class ModelNotFoundError(RegistryError, LookupError):
    """No model has this id (never created, or deleted)."""


class JobNotFoundError(RegistryError, LookupError):
    """No batch job has this id."""


class ConcurrentUpdateError(RegistryError):
    """Someone else changed the model since it was read (its ETag no longer matches)."""


class StorageUnavailableError(RegistryError, storage_exceptions.StorageUnavailableError):
    """The storage behind the registry could not be reached."""


class InvalidContinuationTokenError(RegistryError, ValueError):
    """A continuation token that no listing of this registry handed out."""
