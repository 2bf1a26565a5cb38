"""Model Provider: model blobs in storage and the two cache levels that serve them."""
from .cache import SlidingCache
from .exceptions import ModelBlobNotFoundError, ModelCorruptError, ModelIntegrityError, ModelProviderError
from .provider import CacheLimits, LoadLimits, ModelProvider
from .recommender import Recommender
from .store import BlobModelStore, ModelBlob

__all__ = ["BlobModelStore", "CacheLimits", "LoadLimits", "ModelBlob", "ModelBlobNotFoundError", "ModelCorruptError",
           "ModelIntegrityError", "ModelProvider", "ModelProviderError", "Recommender", "SlidingCache"]
