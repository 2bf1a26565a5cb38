"""Model Provider: model blobs in storage and the two cache levels that serve them."""
from .cache import SlidingCache
from .exceptions import ModelBlobNotFoundError, ModelCorruptError, ModelProviderError
from .provider import CacheLimits, ModelProvider
from .recommender import Recommender
from .store import BlobModelStore

__all__ = ["BlobModelStore", "CacheLimits", "ModelBlobNotFoundError", "ModelCorruptError", "ModelProvider",
           "ModelProviderError", "Recommender", "SlidingCache"]
