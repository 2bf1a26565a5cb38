"""Usage events read into a Dask cluster, grouped by user, and SAR fitted from there.

    usage = load_usage_blobs(client, files, max_errors=100)   # each worker parses its own blobs
    model = usage.fit(SARParameters(...))                      # the same SARModel as recommender's fit
    usage.release()

On the cluster: one task per file parses it and splits its events by user
group; per group, a tree of merges in file order joins the files' pieces (it
runs while later files are still being parsed, so pieces do not pile up); a
tree of merges of the files' item lists gives the item index. Fitting then
builds each group's co-occurrence units and computes the similarity block by
block (distributed_sar.similarity). Only small things come back to the
caller: reports, counts per item, and the model's own arrays.
"""
import contextlib
import time
from typing import Callable, Optional

import numpy as np
import pandas as pd

from recommender import NoValidEventsError, SARModel, SARParameters
from recommender.events import latest_timestamp
from recommender.parsing_report import check_tolerance

from .affinity import cluster_user_affinity
from .groups import events_of, finish_group, group_trending, group_units, units_summary, user_count
from .parts import (
    ParsedPart,
    merge_item_ids,
    merge_ranges,
    parse_part,
    part_item_ids,
    part_piece,
    part_summary,
    split_events,
)
from .reports import merge_reports
from .similarity import cluster_similarity
from .tasks import URGENT, Tasks

GROUP_BYTES = 256 * 2**20
"""Input bytes per user group: a group holds ~40 bytes per event on its worker, more while it is fitted."""
GROUP_EVENTS = 8_000_000
"""Events per user group when the events come as tables."""
GROUPS_PER_WORKER = 2
"""At least this many user groups per worker, so that every worker has a share of the work."""

ProgressCallback = Callable[[str, float], None]
"""progress(stage, fraction done), as recommender's fit calls it; may raise to cancel the training."""


class ClusterUsage:
    """Usage events held on a Dask cluster, one future per user group, and what reading them found.

    Attributes: report (the merged ParsingReport; None for tables), n_events, n_users, item_ids (Index,
    first appearance first), reference_time (the latest event timestamp; NaN when no event has one).
    """

    def __init__(self, tasks: Tasks, groups: list, item_ids: pd.Index, n_events: int, n_users: int,
                 reference_time: float, report=None):
        self._tasks, self._groups = tasks, groups
        self.item_ids, self.n_events, self.n_users = item_ids, n_events, n_users
        self.reference_time, self.report = reference_time, report

    def fit(self, params: SARParameters, progress: Optional[ProgressCallback] = None) -> SARModel:
        """Train SAR on the cluster: the model recommender's fit gives on the same events, in the same order."""
        if self.n_events == 0:
            raise NoValidEventsError("there is no event with both a user id and an item id to train on")
        report = progress or (lambda stage, fraction: None)
        tasks, n_items = self._tasks, len(self.item_ids)
        with _cancelled_on_error(tasks):
            units = [tasks.submit(group_units, group, params.cooccurrence_unit, n_items) for group in self._groups]
            popularity, occurrences, costs = np.zeros(n_items, np.int64), np.zeros(n_items), np.zeros(n_items)
            summaries = [tasks.submit(units_summary, group) for group in units]
            for done, summary in enumerate(summaries):
                stage_progress = _stage(report, "Building co-occurrence units", done / len(summaries))
                group_popularity, group_occurrences, group_costs = tasks.result(summary, stage_progress)
                popularity += group_popularity
                occurrences += group_occurrences
                costs += group_costs
            del summaries
            trending = self._trending(params, n_items)
            user_ids = user_affinity = None
            if params.enable_user_to_item:
                user_ids, user_affinity = cluster_user_affinity(
                    tasks, self._groups, n_items, self.reference_time, params,
                    lambda fraction: report("Computing user affinity", fraction))
            similarity = cluster_similarity(tasks, units, costs, occurrences, params,
                                            lambda fraction: report("Counting co-occurrences", fraction))
            del units  # their cluster memory goes with the last reference
        return SARModel(params=params, item_ids=np.asarray(self.item_ids, dtype=object), similarity=similarity,
                        popularity=popularity, reference_time=self.reference_time, user_ids=user_ids,
                        user_affinity=user_affinity, trending=trending)

    def _trending(self, params: SARParameters, n_items: int) -> np.ndarray:
        """Trending popularity: each group's share, summed."""
        tasks, trending = self._tasks, np.zeros(n_items)
        shares = [tasks.submit(group_trending, group, self.reference_time, params, n_items) for group in self._groups]
        for share in shares:
            trending += tasks.result(share)
        return trending

    def events_of(self, user_ids) -> pd.DataFrame:
        """The events of the given users: an event table, each user's events in file order."""
        tasks = self._tasks
        with _cancelled_on_error(tasks):
            wanted = tasks.scatter(pd.Index(pd.unique(np.asarray(user_ids, dtype=object))), broadcast=True)
            items = tasks.scatter(self.item_ids, broadcast=True)
            frames = [tasks.result(tasks.submit(events_of, group, wanted, items)) for group in self._groups]
        return pd.concat(frames, ignore_index=True)

    def release(self):
        """Free the cluster memory the events hold."""
        self._tasks.cancel()
        self._groups = []


def load_usage_blobs(client, files, max_errors: int, known_items: Optional[pd.Index] = None,
                     progress: Optional[ProgressCallback] = None, what: str = "usage files",
                     group_bytes: int = GROUP_BYTES) -> ClusterUsage:
    """Parse usage blobs (distributed_sar.blobs.BlobFiles) on the cluster, in name order, as one data set.

    Each worker downloads the blobs it parses. With `known_items` (the catalog's ids), events of other
    items are dropped as UnknownItemId warnings.

    :raise TooManyParsingErrorsError: (with the files' merged report) once more than max_errors lines are bad
    :raise UnreadableFileError: a file is not UTF-8 text that pandas can split into fields
    """
    report = progress or (lambda stage, fraction: None)
    tasks = Tasks(client)
    n_groups = _group_count(tasks, files.total_bytes / group_bytes)
    with _cancelled_on_error(tasks):
        known = tasks.scatter(known_items, broadcast=True) if known_items is not None else None
        started = time.perf_counter()
        parsed = [tasks.submit(parse_part, files, name, number, n_groups, max_errors, known, what, label=name)
                  for number, name in enumerate(files.names)]
        summaries, groups, items = _group_by_user(tasks, parsed, n_groups)
        del parsed  # each file's result goes once its pieces are taken
        summaries = _parsing_summaries(tasks, summaries, max_errors, what, report)
        merged = merge_reports([summary[0] for summary in summaries], time.perf_counter() - started)
        check_tolerance(merged, max_errors, what)
        return _usage(tasks, groups, items, summaries, merged, report)


def load_event_frames(client, frames: list, progress: Optional[ProgressCallback] = None,
                      group_events: int = GROUP_EVENTS) -> ClusterUsage:
    """Event tables (recommender.events), in order as one data set, placed on the cluster and grouped by user."""
    report = progress or (lambda stage, fraction: None)
    tasks = Tasks(client)
    n_groups = _group_count(tasks, sum(len(frame) for frame in frames) / group_events)
    with _cancelled_on_error(tasks):
        parts = [tasks.submit(_frame_part, tasks.scatter(frame), number, n_groups, label=f"table-{number}")
                 for number, frame in enumerate(frames)]
        summaries, groups, items = _group_by_user(tasks, parts, n_groups)
        del parts
        summaries = [tasks.result(summary) for summary in summaries]
        return _usage(tasks, groups, items, summaries, None, report)


def _group_by_user(tasks: Tasks, parsed: list, n_groups: int) -> tuple:
    """Futures of (each partition's summary, each user group, the item index) for parsed partitions."""
    summaries = [tasks.submit(part_summary, part, priority=URGENT) for part in parsed]
    items = tasks.reduce(merge_item_ids, [tasks.submit(part_item_ids, part, priority=URGENT) for part in parsed],
                         label="items")
    groups, workers = [], tasks.workers or [None]
    for group in range(n_groups):
        home = workers[group % len(workers)]  # groups spread evenly: each worker holds its share of the events
        pieces = [tasks.submit(part_piece, part, group, priority=URGENT, label=f"group-{group}") for part in parsed]
        events = tasks.reduce(merge_ranges, pieces, label=f"group-{group}", worker=home)
        groups.append(tasks.submit(finish_group, events, items, label=f"group-{group}", worker=home))
    return summaries, groups, items


def _parsing_summaries(tasks: Tasks, summaries: list, max_errors: int, what: str, report) -> list:
    """Each file's (report, events kept, latest timestamp), in file order.

    :raise TooManyParsingErrorsError: as soon as the files parsed so far are past the tolerance together
    """
    finished = {}

    def on_tick(done: int):
        for number, future in enumerate(summaries):
            if number not in finished and future.status == "finished":
                finished[number] = future.result()[0]
        reports = [finished[number] for number in sorted(finished)]
        if sum(part.error_count() for part in reports) > max_errors:
            check_tolerance(merge_reports(reports, 0.0), max_errors, what)
        report("Parsing usage files", done / len(summaries))

    tasks.wait(summaries, on_tick)
    return [future.result() for future in summaries]


def _usage(tasks: Tasks, groups: list, items, summaries: list, parsing_report, report) -> ClusterUsage:
    """The ClusterUsage of grouped partitions, once every group is built."""
    tasks.wait(groups, lambda done: report("Grouping events by user", done / len(groups)))
    n_users = sum(tasks.result(tasks.submit(user_count, group)) for group in groups)
    reference_time = latest_timestamp(np.array([summary[2] for summary in summaries], dtype=np.float64))
    return ClusterUsage(tasks, groups, tasks.result(items), sum(summary[1] for summary in summaries), n_users,
                        reference_time, parsing_report)


def _frame_part(frame: pd.DataFrame, number: int, n_groups: int) -> ParsedPart:
    return ParsedPart(None, split_events(frame, number, n_groups))


def _group_count(tasks: Tasks, by_size: float) -> int:
    return max(GROUPS_PER_WORKER * tasks.n_workers, int(np.ceil(by_size)))


def _stage(report, stage: str, fraction: float) -> Callable[[int], None]:
    return lambda done: report(stage, fraction)


@contextlib.contextmanager
def _cancelled_on_error(tasks: Tasks):
    """Cancel the training's tasks when anything goes wrong, a cancellation raised by progress included."""
    try:
        yield
    except BaseException:
        tasks.cancel()
        raise
