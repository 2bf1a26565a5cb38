"""The training flow of one model: download, parse, train, attach categories, place cold items, evaluate, store.

An engine (webjob.engines) decides where usage is parsed and SAR is fitted: in this process, or on a Dask
cluster. Everything else is written once, here: the catalog and the evaluation files are read in this
process, each stage is timed and announced, and bad input becomes a TrainingFailedError whose message
names the file and line.
"""
import contextlib
import hashlib
import json
import logging
import time
from importlib.metadata import PackageNotFoundError, version
from typing import Callable, Optional

import pandas as pd

from recommender import NoValidEventsError, SARParameters, TooManyParsingErrorsError, to_bytes
from recommender.catalog import Catalog, parse_catalog_files
from recommender.cold_items import place_cold_items
from recommender.evaluation import evaluate
from recommender.exceptions import UnreadableFileError
from recommender.parsing import describe_no_events
from registry import ModelRecord

from .engines import LocalEngine, engine_for, parse_blobs
from .exceptions import TrainingFailedError, UnusableInputError
from .input_blobs import InputBlobs

logger = logging.getLogger(__name__)


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
        # Models created before these parameters existed have their defaults.
        backfill_strategy=parameters.get("backfillStrategy", SARParameters.backfill_strategy),
        trending_half_life_days=parameters.get("trendingHalfLifeInDays", SARParameters.trending_half_life_days),
    )


def known_items_of(parameters: dict, catalog: Optional[Catalog]) -> Optional[pd.Index]:
    """The item ids usage may name, or None for any: with cold placement, the catalog is the model's item set.

    Without it, the catalog only supplies categories, and usage items it lacks stay in the model (issue 18,
    as in the original).
    """
    if catalog is None or not parameters.get("enableColdItemPlacement"):
        return None
    return pd.Index(catalog.item_ids)


def trained_by(parameters: dict) -> dict:
    """What trained a model, for its blob's header: this service's version and the digest of the parameters."""
    try:
        service_version = version("product-recommendations")
    except PackageNotFoundError:  # run from a checkout that was never installed
        service_version = "unknown"
    digest = hashlib.sha256(json.dumps(parameters, sort_keys=True, default=str).encode("utf-8")).hexdigest()
    return {"serviceVersion": service_version, "parametersSha256": digest}


@contextlib.contextmanager
def parsing_failures(statistics: dict, key: str):
    """A failed parse as UnusableInputError; a file set past the tolerance leaves its report in statistics[key]."""
    try:
        yield
    except TooManyParsingErrorsError as error:
        statistics[key] = error.report.as_dict()
        raise UnusableInputError(str(error)) from None
    except UnreadableFileError as error:
        raise UnusableInputError(str(error)) from None


class ModelTrainer:
    """Runs the training flow for a claimed (InProgress) model on an engine and returns its statistics.

    `report_progress(message)` is called often, between and inside stages; it may raise to cancel.
    `engine` runs usage parsing and SAR's fit (LocalEngine by default). `seed` seeds cold item placement's
    sampling, so a training is repeatable.
    """

    def __init__(self, blobs, store, report_progress: Callable[[str], None], max_parsing_errors: int, *,
                 engine=None, seed: int = 0):
        self._blobs, self._store = blobs, store
        self._report_progress = report_progress
        self._max_parsing_errors = max_parsing_errors
        self._engine = engine or LocalEngine()
        self._seed = seed

    def train(self, record: ModelRecord) -> dict:
        """Train, store the model blob, return statistics. :raise TrainingFailedError:"""
        statistics = {}
        try:
            return self._train(record.id, record.parameters, statistics)
        except (UnusableInputError, TrainingFailedError) as error:
            raise TrainingFailedError(str(error), statistics) from None

    def _train(self, model_id: str, parameters: dict, statistics: dict) -> dict:
        started = time.perf_counter()
        with self._engine.connect(self._report_progress) as loader:
            catalog = self._read_catalog(parameters, statistics)
            known_items = known_items_of(parameters, catalog)
            usage = self._load_usage(loader, parameters, known_items, statistics)
            try:
                model = self._fit(usage, parameters, catalog, statistics)
                if parameters.get("evaluationUsageRelativePath"):
                    statistics["evaluation"] = self._evaluate(model, usage.events_of, parameters, known_items)
            finally:
                usage.release()  # the evaluation was the last user; free the events before serializing
        self._report_progress("Storing the model")
        storing_started = time.perf_counter()
        self._store.save(model_id, to_bytes(model, model_id, trained_by(parameters)))
        statistics.update(storingDuration=time.perf_counter() - storing_started,
                          totalDuration=time.perf_counter() - started)
        return statistics

    def _read_catalog(self, parameters: dict, statistics: dict) -> Optional[Catalog]:
        if not parameters.get("catalogFileRelativePath"):
            return None
        blobs = self._find(parameters, parameters["catalogFileRelativePath"], "catalog files")
        with parsing_failures(statistics, "catalogParsing"):
            catalog, report = parse_catalog_files(blobs.download(self._report_progress), self._max_parsing_errors,
                                                  progress=blobs.parsing_progress(self._report_progress))
        statistics["catalogParsing"] = report.as_dict()
        if catalog.n_items == 0:
            raise UnusableInputError(describe_no_events(report, "catalog files"))
        return catalog

    def _load_usage(self, loader, parameters: dict, known_items, statistics: dict):
        """The training usage, loaded by the engine; its report goes into the statistics whatever happens."""
        blobs = self._find(parameters, parameters["usageRelativePath"], "usage files")
        with parsing_failures(statistics, "usageEventsParsing"):
            usage = loader.load(blobs, known_items, self._max_parsing_errors, self._report_progress)
        statistics["usageEventsParsing"] = usage.report.as_dict()
        if usage.n_events == 0:
            usage.release()
            raise UnusableInputError(describe_no_events(usage.report, "usage files"))
        return usage

    def _fit(self, usage, parameters: dict, catalog: Optional[Catalog], statistics: dict):
        """The model (with the catalog's categories and cold items) and the training statistics."""
        self._report_progress("Core training")
        started = time.perf_counter()
        try:
            model = usage.fit(sar_parameters(parameters), progress=self._on_training_progress)
        except NoValidEventsError as error:
            raise TrainingFailedError(str(error)) from None
        statistics.update(numberOfUsers=usage.n_users, numberOfUsageItems=model.n_items)
        if catalog is not None:
            in_catalog = int(pd.Index(model.item_ids).isin(catalog.item_ids).sum())
            statistics.update(numberOfCatalogItems=catalog.n_items,
                              catalogCoverage=round(in_catalog / catalog.n_items, 6))
            if parameters.get("enableColdItemPlacement"):
                model = self._place_cold_items(model, catalog, parameters, statistics)
            model = model.with_item_categories(catalog.item_ids, catalog.categories)  # for per-category caps
        statistics["trainingDuration"] = time.perf_counter() - started
        return model

    def _place_cold_items(self, model, catalog: Catalog, parameters: dict, statistics: dict):
        self._report_progress("Placing cold items")
        started = time.perf_counter()
        placement = place_cold_items(
            model, catalog, cold_to_cold=parameters.get("enableColdToColdRecommendations", False), seed=self._seed,
            progress=lambda fraction: self._report_progress(f"Placing cold items ({fraction:.0%})"))
        statistics.update(catalogFeatureWeights=placement.feature_weights, numberOfColdItems=placement.cold_items,
                          coldItemPlacementDuration=time.perf_counter() - started)
        return placement.model

    def _evaluate(self, model, training_events_for, parameters: dict, known_items) -> dict:
        """The evaluation block; a failed evaluation parse skips evaluation only (the block says why).

        The evaluation files are parsed here; `training_events_for(user_ids)` gives the training events of
        (at least) those users, from wherever the engine holds them.
        """
        started = time.perf_counter()
        block = {}
        try:
            blobs = self._find(parameters, parameters["evaluationUsageRelativePath"], "evaluation usage files")
            with parsing_failures(block, "usageEventsParsing"):
                test_events, report = parse_blobs(blobs, known_items, self._max_parsing_errors, self._report_progress)
            block["usageEventsParsing"] = report.as_dict()
            if test_events.empty:
                raise UnusableInputError(describe_no_events(report, "evaluation usage files"))
        except UnusableInputError as error:
            logger.warning("evaluation skipped: %s", error)
            return {"duration": time.perf_counter() - started, **block, "skipReason": str(error)}
        self._report_progress("Evaluating the trained model")
        metrics = evaluate(model, training_events_for(test_events["user_id"].unique()), test_events,
                           progress=lambda fraction: self._report_progress(
                               f"Evaluating the trained model ({fraction:.0%} of test users)"))
        result = {"duration": time.perf_counter() - started, **block, "metrics": metrics}
        if metrics is None:
            result["skipReason"] = "no user of the evaluation files has training events"
        return result

    def _find(self, parameters: dict, path: str, what: str) -> InputBlobs:
        return InputBlobs.find(self._blobs, parameters["blobContainerName"], path, what)

    def _on_training_progress(self, stage: str, fraction: float):
        self._report_progress(f"Core training: {stage} ({fraction:.0%})")


def trainer_factory_for(settings, blobs, store) -> Callable:
    """The worker's trainer_factory: report_progress -> a ModelTrainer on the engine the settings choose."""
    engine = engine_for(settings, blobs)
    return lambda report_progress: ModelTrainer(blobs, store, report_progress, settings.max_parsing_errors,
                                                engine=engine)
