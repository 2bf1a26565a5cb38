"""The in-process engine: usage blobs downloaded and parsed here, SAR fitted by recommender's own fit."""
import contextlib
from typing import Optional

import pandas as pd

from recommender import SARModel, SARParameters, fit
from recommender.parsing import parse_usage_files

from ..input_blobs import InputBlobs


def parse_blobs(blobs: InputBlobs, known_items: Optional[pd.Index], max_errors: int, report_progress) -> tuple:
    """(events, report) of usage blobs parsed in this process, as one data set.

    :raise TooManyParsingErrorsError: past the tolerance
    :raise UnreadableFileError: a file pandas cannot split into fields
    """
    return parse_usage_files(
        blobs.download(report_progress), max_errors, known_items=known_items, what=blobs.what,
        progress=blobs.parsing_progress(report_progress))


class LocalUsage:
    """Usage events held in this process (an event table) and their parsing report."""

    def __init__(self, events: pd.DataFrame, report, threads: Optional[int] = None):
        self.events, self.report, self._threads = events, report, threads
        self.n_events = len(events)

    @property
    def n_users(self) -> int:
        """Number of distinct users."""
        return int(self.events["user_id"].nunique())

    def fit(self, params: SARParameters, progress=None) -> SARModel:
        """recommender's fit on the events. :raise NoValidEventsError:"""
        return fit(self.events, params, progress=progress, threads=self._threads)

    def events_of(self, user_ids) -> pd.DataFrame:
        """Events of (at least) the given users: all of them, already in memory."""
        return self.events

    def release(self):
        """Let the events go (before the model is serialized)."""
        self.events = None


class LocalEngine:
    """Trains in the worker process, counting co-occurrences on `threads` threads (None: one per core)."""

    def __init__(self, threads: Optional[int] = None):
        self.threads = threads

    @contextlib.contextmanager
    def connect(self, report_progress):
        """This engine, as its own loader."""
        yield self

    def load(self, blobs: InputBlobs, known_items: Optional[pd.Index], max_errors: int, report_progress) -> LocalUsage:
        """Download and parse usage blobs here. :raise TooManyParsingErrorsError: :raise UnreadableFileError:"""
        return LocalUsage(*parse_blobs(blobs, known_items, max_errors, report_progress), threads=self.threads)
