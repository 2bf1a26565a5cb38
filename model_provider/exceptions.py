"""The ways loading a model for serving fails."""
from typing import Optional


class ModelProviderError(Exception):
    """Base class of model provider errors; `etag` names the version of the blob that failed, when known."""

    def __init__(self, message: str, etag: Optional[str] = None):
        super().__init__(message)
        self.etag = etag


class ModelBlobNotFoundError(ModelProviderError, LookupError):
    """The model's blob is not in storage (deleted, or never written)."""


class ModelChangedError(ModelProviderError):
    """The model's blob was written again since the version asked for (its ETag differs)."""


class ModelCorruptError(ModelProviderError):
    """The model's blob is not a model this build can read (malformed, of an old format, or too large)."""


class ModelIntegrityError(ModelProviderError):
    """The model's blob is a well-formed model of another id: copied or written under the wrong name."""
