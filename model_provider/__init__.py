"""Model Provider: model blobs in storage and the cache of loaded recommenders."""
from .exceptions import ModelBlobNotFoundError, ModelCorruptError, ModelProviderError
from .provider import ModelProvider, SlidingTTLCache
from .store import BlobModelStore

__all__ = ["BlobModelStore", "ModelBlobNotFoundError", "ModelCorruptError", "ModelProvider", "ModelProviderError",
           "SlidingTTLCache"]
