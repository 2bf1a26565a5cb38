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
        """Mark a record Deleting (hidden from get and listings from now on) and clear the default if it was
        the default; a worker purges it once its blobs are gone. :raise ModelNotFoundError:"""

    def purge(self, model_id: str) -> bool:
        """Remove a Deleting record for good; False (and nothing done) when it is absent or not Deleting."""

    def all_records(self) -> list:
        """Every record, Deleting ones too, with updated_time (for the sweeper)."""

    def get_default_id(self) -> Optional[str]:
        """Id of the default model, or None."""

    def set_default_id(self, model_id: str) -> None:
        """Make a model the default; if the model is deleted meanwhile, the default ends cleared.

        :raise ModelNotFoundError: the model is gone (or being deleted)
        """

    def set_default_if_none(self, model_id: str) -> bool:
        """Make a model the default unless an existing model is (atomically); True if it became default."""
