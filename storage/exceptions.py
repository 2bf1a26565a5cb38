"""The ways storage fails, as the layers above it see them."""


class StorageUnavailableError(Exception):
    """Storage could not be reached or failed on its side; adapters raise their own subclass of it."""


class ContainerNotFoundError(LookupError):
    """The blob container a model names does not exist."""
