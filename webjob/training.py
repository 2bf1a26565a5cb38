"""The training flow of one model: download, parse, train, store, report."""
import logging
import time
from typing import Callable

from common.usage_blobs import ContainerNotFoundError, list_usage_blobs
from recommender import NoValidEventsError, SARModel, SARParameters, TooManyParsingErrorsError, to_bytes
from recommender.parsing import parse_usage_files
from registry import ModelRecord, ModelStatus

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL_SECONDS = 2.0
"""Least time between two progress writes to the registry."""


class TrainingFailedError(Exception):
    """Training cannot succeed with this model's inputs; the message is for the operator."""

    def __init__(self, message: str, statistics: dict = None):
        super().__init__(message)
        self.statistics = statistics


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
    """Runs the training flow for a claimed (InProgress) model and returns its statistics."""

    def __init__(self, blobs, store, report_progress: Callable[[str], None], max_parsing_errors: int):
        self._blobs = blobs
        self._store = store
        self._report_progress = report_progress
        self._max_parsing_errors = max_parsing_errors

    def train(self, record: ModelRecord) -> dict:
        """Train, store the model blob, return statistics. :raise TrainingFailedError:"""
        started = time.perf_counter()
        parameters = record.parameters
        self._report_progress("Downloading usage blobs")
        files = self._download(parameters["blobContainerName"], parameters["usageRelativePath"])
        self._report_progress("Parsing usage events files")
        try:
            events, report = parse_usage_files(files, max_errors=self._max_parsing_errors)
        except TooManyParsingErrorsError as error:
            raise TrainingFailedError(str(error), {"usageEventsParsing": error.report.as_dict()}) from None
        statistics = {"usageEventsParsing": report.as_dict()}
        if events.empty:
            raise TrainingFailedError(_no_events_message(report), statistics)
        training_started = time.perf_counter()
        try:
            model = SARModel.fit(events, sar_parameters(parameters), progress=self._on_training_progress)
        except NoValidEventsError as error:
            raise TrainingFailedError(str(error), statistics) from None
        statistics["trainingDuration"] = time.perf_counter() - training_started
        self._report_progress("Storing the model")
        storing_started = time.perf_counter()
        self._store.save(record.id, to_bytes(model))
        statistics.update(
            storingDuration=time.perf_counter() - storing_started,
            numberOfUsers=int(events["user_id"].nunique()),
            numberOfUsageItems=model.n_items,
            totalDuration=time.perf_counter() - started,
        )
        return statistics

    def _download(self, container_name: str, path: str) -> list:
        container = self._blobs.get_container_client(container_name)
        try:
            names = list_usage_blobs(container, path)
        except ContainerNotFoundError as error:
            raise TrainingFailedError(f"{error}") from None
        if not names:
            raise TrainingFailedError(f"no usage blob at '{container_name}/{path}'")
        return [(name, container.download_blob(name).readall()) for name in names]

    def _on_training_progress(self, stage: str, fraction: float):
        self._report_progress(f"Core training: {stage} ({fraction:.0%})")


def _no_events_message(report) -> str:
    main = report.main_error()
    if main is None:
        return "the usage files hold no usage event"
    reason, count, file, line = main
    return f"no valid usage event; most common error {reason} ({count} lines, first in {file} line {line})"


class ProgressReporter:
    """Writes a model's status message, at most once per PROGRESS_INTERVAL_SECONDS (the last one always)."""

    def __init__(self, registry, model_id: str, clock=time.monotonic, interval: float = PROGRESS_INTERVAL_SECONDS):
        self._registry, self._model_id, self._clock, self._interval = registry, model_id, clock, interval
        self._last_write = None

    def __call__(self, message: str, force: bool = False):
        now = self._clock()
        if not force and self._last_write is not None and now - self._last_write < self._interval:
            return
        self._last_write = now
        record = self._registry.get(self._model_id)
        self._registry.update(record.with_status(ModelStatus.IN_PROGRESS, message))
        logger.info("model %s: %s", self._model_id, message)
