"""The training flow of one model: download, parse, train, place cold items, evaluate, store, report.

Parsing and evaluation live in recommender/ (files in, objects and reports out); this module fetches
the blobs one at a time, times each stage, says which stage is running, and turns bad input into a
TrainingFailedError whose message names the file and line.
"""
import logging
import time
from typing import Callable, Iterator

import pandas as pd

from recommender import NoValidEventsError, SARParameters, TooManyParsingErrorsError, fit, to_bytes
from recommender.catalog import parse_catalog_files
from recommender.cold_items import place_cold_items
from recommender.csv_reader import UnreadableFileError
from recommender.evaluation import evaluate
from recommender.parsing import describe_no_events, parse_usage_files
from registry import ModelRecord
from storage.usage_blobs import ContainerNotFoundError, download_blob_bytes, list_usage_blobs

logger = logging.getLogger(__name__)


class TrainingFailedError(Exception):
    """Training cannot succeed with this model's inputs; the message is for the operator."""

    def __init__(self, message: str, statistics: dict = None):
        super().__init__(message)
        self.statistics = statistics


class _InputError(Exception):
    """A file set cannot be used (missing, unreadable, too many bad lines, nothing valid); carries its report."""

    def __init__(self, message: str, report=None):
        super().__init__(message)
        self.report = report


def sar_parameters(parameters: dict) -> SARParameters:
    """The recommender's parameters from the API's camelCase model parameters."""
    return SARParameters(
        support_threshold=parameters["supportThreshold"],
        cooccurrence_unit=parameters["cooccurrenceUnit"],
        similarity_function=parameters["similarityFunction"],
        enable_user_affinity=parameters["enableUserAffinity"],
        enable_user_to_item=parameters["enableUserToItemRecommendations"],
        allow_seed_items=parameters["allowSeedItemsInRecommendations"],
        enable_backfilling=parameters["enableBackfilling"],
        decay_period_days=parameters["decayPeriodInDays"],
    )


class ModelTrainer:
    """Runs the training flow for a claimed (InProgress) model and returns its statistics.

    `report_progress(message)` is called often, between and inside stages; it may raise to cancel.
    `seed` seeds cold item placement's sampling, so a training is repeatable.
    """

    def __init__(self, blobs, store, report_progress: Callable[[str], None], max_parsing_errors: int, *,
                 seed: int = 0):
        self._blobs = blobs
        self._store = store
        self._report_progress = report_progress
        self._max_parsing_errors = max_parsing_errors
        self._seed = seed

    def train(self, record: ModelRecord) -> dict:
        """Train, store the model blob, return statistics. :raise TrainingFailedError:"""
        started = time.perf_counter()
        parameters = record.parameters
        container = parameters["blobContainerName"]
        statistics = {}
        catalog = None
        try:
            if parameters.get("catalogFileRelativePath"):
                catalog = self._parse_catalog(container, parameters["catalogFileRelativePath"], statistics)
            events = self._parse_usage(container, parameters["usageRelativePath"], catalog, statistics)
        except _InputError as error:
            raise TrainingFailedError(str(error), statistics) from None
        self._report_progress("Core training")
        training_started = time.perf_counter()
        try:
            model = fit(events, sar_parameters(parameters), progress=self._on_training_progress)
        except NoValidEventsError as error:
            raise TrainingFailedError(str(error), statistics) from None
        statistics.update(numberOfUsers=int(events["user_id"].nunique()), numberOfUsageItems=model.n_items)
        if catalog is not None:
            statistics.update(numberOfCatalogItems=catalog.n_items,
                              catalogCoverage=round(model.n_items / catalog.n_items, 6))
            if parameters.get("enableColdItemPlacement"):
                model = self._place_cold_items(model, catalog, parameters, statistics)
            model = model.with_item_categories(catalog.item_ids, catalog.categories)  # for per-category caps
        statistics["trainingDuration"] = time.perf_counter() - training_started
        if parameters.get("evaluationUsageRelativePath"):
            statistics["evaluation"] = self._evaluate(model, lambda test_events: events, container,
                                                      parameters["evaluationUsageRelativePath"], catalog)
        del events  # the evaluation was the last user; free it before serializing
        self._report_progress("Storing the model")
        storing_started = time.perf_counter()
        self._store.save(record.id, to_bytes(model))
        statistics.update(storingDuration=time.perf_counter() - storing_started,
                          totalDuration=time.perf_counter() - started)
        return statistics

    def _parse_catalog(self, container: str, path: str, statistics: dict):
        files = self._files(container, path, "catalog files")
        try:
            catalog, report = parse_catalog_files(files, self._max_parsing_errors,
                                                  progress=self._parsing_progress("catalog files"))
        except TooManyParsingErrorsError as error:
            statistics["catalogParsing"] = error.report.as_dict()
            raise _InputError(str(error)) from None
        except UnreadableFileError as error:
            raise _InputError(str(error)) from None
        statistics["catalogParsing"] = report.as_dict()
        if catalog.n_items == 0:
            raise _InputError(describe_no_events(report, "catalog files"))
        return catalog

    def _parse_usage(self, container: str, path: str, catalog, statistics: dict):
        events, report = self._read_usage(container, path, catalog, "usage files", statistics, "usageEventsParsing")
        if events.empty:
            raise _InputError(describe_no_events(report, "usage files"))
        return events

    def _read_usage(self, container, path, catalog, what, statistics, key):
        """Parse usage files into events; the report goes into statistics[key] whatever happens."""
        try:
            events, report = parse_usage_files(
                self._files(container, path, what), self._max_parsing_errors,
                known_items=None if catalog is None else pd.Index(catalog.item_ids),
                progress=self._parsing_progress(what), what=what)
        except TooManyParsingErrorsError as error:
            statistics[key] = error.report.as_dict()
            raise _InputError(str(error)) from None
        except UnreadableFileError as error:
            raise _InputError(str(error)) from None
        statistics[key] = report.as_dict()
        return events, report

    def _place_cold_items(self, model, catalog, parameters: dict, statistics: dict):
        self._report_progress("Placing cold items")
        started = time.perf_counter()
        placement = place_cold_items(
            model, catalog, cold_to_cold=parameters.get("enableColdToColdRecommendations", False), seed=self._seed,
            progress=lambda fraction: self._report_progress(f"Placing cold items ({fraction:.0%})"))
        statistics.update(catalogFeatureWeights=placement.feature_weights, numberOfColdItems=placement.cold_items,
                          coldItemPlacementDuration=time.perf_counter() - started)
        return placement.model

    def _evaluate(self, model, training_events_for, container: str, path: str, catalog) -> dict:
        """The evaluation block; a failed evaluation parse skips evaluation only (the block says why).

        `training_events_for(test_events)` gives the training events of (at least) the test users.
        """
        started = time.perf_counter()
        block = {}
        try:
            test_events, report = self._read_usage(container, path, catalog, "evaluation usage files", block,
                                                   "usageEventsParsing")
            if test_events.empty:
                raise _InputError(describe_no_events(report, "evaluation usage files"))
        except _InputError as error:
            logger.warning("evaluation skipped: %s", error)
            return {"duration": time.perf_counter() - started, **block, "skipReason": str(error)}
        self._report_progress("Evaluating the trained model")
        metrics = evaluate(model, training_events_for(test_events), test_events,
                           progress=lambda fraction: self._report_progress(
                               f"Evaluating the trained model ({fraction:.0%} of test users)"))
        result = {"duration": time.perf_counter() - started, **block, "metrics": metrics}
        if metrics is None:
            result["skipReason"] = "no user of the evaluation files has training events"
        return result

    def _blob_names(self, container_name: str, path: str, what: str) -> tuple:
        """(container client, names of the blobs the path means). :raise _InputError: none there"""
        container = self._blobs.get_container_client(container_name)
        try:
            names = list_usage_blobs(container, path)
        except ContainerNotFoundError as error:
            raise _InputError(f"{error}") from None
        if not names:
            raise _InputError(f"no {what.split()[0]} blob at '{container_name}/{path}'")
        return container, names

    def _files(self, container_name: str, path: str, what: str) -> Iterator:
        """(name, bytes) of each blob the path means, downloaded one at a time, when asked for."""
        container, names = self._blob_names(container_name, path, what)
        for number, name in enumerate(names, start=1):
            self._report_progress(f"Downloading {what}: {name} ({number} of {len(names)})")
            yield name, download_blob_bytes(container, name)

    def _parsing_progress(self, what: str):
        return lambda name, lines: self._report_progress(f"Parsing {what}: {name} ({lines:,} lines read)")

    def _on_training_progress(self, stage: str, fraction: float):
        self._report_progress(f"Core training: {stage} ({fraction:.0%})")
