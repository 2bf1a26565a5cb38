"""The registry contract that the Table adapter and the in-memory fake both fulfil."""
from typing import Optional, Protocol

from .records import ModelPage, ModelRecord


class ModelRegistry(Protocol):
    """Stores model records and which model is the default."""

    def create(self, record: ModelRecord) -> ModelRecord:
        """Insert a new record; returns it with its etag."""

    def get(self, model_id: str) -> ModelRecord:
        """The record of a model. :raise ModelNotFoundError:"""

    def list_page(self, page_size: int, continuation_token: Optional[str] = None) -> ModelPage:
        """Summaries newest first, a page at a time. :raise InvalidContinuationTokenError:"""

    def update(self, record: ModelRecord, *, if_unchanged: bool = False) -> ModelRecord:
        """Replace a record. With if_unchanged, only if its etag still matches.

        :raise ModelNotFoundError: the model is gone
        :raise ConcurrentUpdateError: if_unchanged and the record changed
        """

    def delete(self, model_id: str) -> None:
        """Remove a record, clearing the default if it was the default. :raise ModelNotFoundError:"""

    def get_default_id(self) -> Optional[str]:
        """Id of the default model, or None."""

    def set_default_id(self, model_id: str) -> None:
        """Make a model the default."""

    def set_default_if_none(self, model_id: str) -> bool:
        """Make a model the default unless one is set (atomically); True if it became default."""
