"""The ways loading a model for serving fails."""


class ModelProviderError(Exception):
    """Base class of model provider errors."""


class ModelBlobNotFoundError(ModelProviderError, LookupError):
    """The model's blob is not in storage (deleted, or never written)."""


class ModelCorruptError(ModelProviderError):
    """The model's blob is not a model this build can read."""
