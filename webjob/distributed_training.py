"""Training on a Dask cluster (DASK_SCHEDULER_ADDRESS): the worker's training flow, with the usage data parsed,
grouped and fitted on the cluster.

Each Dask worker downloads and parses its own usage blobs (distributed_sar); the web job holds only the
catalog, the evaluation files, the reports and the trained model, as in a local training. A task that keeps
killing Dask workers fails the model with that reason; a scheduler that cannot be reached, or drops the
training, fails the attempt, and the train message is retried like any failed attempt.
"""
import time

import pandas as pd
from distributed import Client

from distributed_sar import BlobFiles, WorkerLostError, load_usage_blobs
from recommender import NoValidEventsError, TooManyParsingErrorsError, to_bytes
from recommender.csv_reader import UnreadableFileError
from recommender.parsing import describe_no_events

from .training import ModelTrainer, TrainingFailedError, _InputError, sar_parameters

CONNECT_TIMEOUT_SECONDS = 30.0
"""How long to try reaching the Dask scheduler before the attempt fails (and is retried later)."""


class DistributedModelTrainer(ModelTrainer):
    """ModelTrainer whose usage parsing and SAR fit run on the Dask cluster at `scheduler_address`.

    `connection_string` (a Secret) is handed to the Dask workers so that they read the blobs themselves.
    """

    def __init__(self, blobs, store, report_progress, max_parsing_errors: int, *, scheduler_address: str,
                 connection_string, seed: int = 0):
        super().__init__(blobs, store, report_progress, max_parsing_errors, seed=seed)
        self._scheduler_address = scheduler_address
        self._connection_string = connection_string

    def train(self, record) -> dict:
        """Train on the cluster, store the model blob, return statistics. :raise TrainingFailedError:"""
        started = time.perf_counter()
        parameters, statistics, catalog = record.parameters, {}, None
        container = parameters["blobContainerName"]
        self._report_progress(f"Connecting to the Dask scheduler at {self._scheduler_address}")
        with Client(self._scheduler_address, timeout=CONNECT_TIMEOUT_SECONDS, set_as_default=False) as client:
            try:
                if parameters.get("catalogFileRelativePath"):
                    catalog = self._parse_catalog(container, parameters["catalogFileRelativePath"], statistics)
                usage = self._load_usage(client, container, parameters["usageRelativePath"], catalog, statistics)
            except _InputError as error:
                raise TrainingFailedError(str(error), statistics) from None
            try:
                model = self._fit(usage, parameters, catalog, statistics)
                if parameters.get("evaluationUsageRelativePath"):
                    statistics["evaluation"] = self._evaluate(  # the test users' events come from the cluster
                        model, lambda test_events: usage.events_of(test_events["user_id"].unique()), container,
                        parameters["evaluationUsageRelativePath"], catalog)
            finally:
                usage.release()
        self._report_progress("Storing the model")
        storing_started = time.perf_counter()
        self._store.save(record.id, to_bytes(model))
        statistics.update(storingDuration=time.perf_counter() - storing_started,
                          totalDuration=time.perf_counter() - started)
        return statistics

    def _load_usage(self, client, container_name: str, path: str, catalog, statistics: dict):
        container, names = self._blob_names(container_name, path, "usage files")
        files = BlobFiles.of(self._connection_string, container, names)
        try:
            usage = load_usage_blobs(
                client, files, self._max_parsing_errors, known_items=None if catalog is None else pd.Index(catalog.item_ids),
                progress=lambda stage, fraction: self._report_progress(
                    f"{stage} on the Dask cluster ({fraction:.0%}; {len(names)} files)"))
        except TooManyParsingErrorsError as error:
            statistics["usageEventsParsing"] = error.report.as_dict()
            raise _InputError(str(error)) from None
        except UnreadableFileError as error:
            raise _InputError(str(error)) from None
        except WorkerLostError as error:
            raise _InputError(f"parsing on the Dask cluster failed: {error}") from None
        statistics["usageEventsParsing"] = usage.report.as_dict()
        if usage.n_events == 0:
            raise _InputError(describe_no_events(usage.report, "usage files"))
        return usage

    def _fit(self, usage, parameters: dict, catalog, statistics: dict):
        """The model and the training statistics, as ModelTrainer.train sets them."""
        self._report_progress("Core training")
        training_started = time.perf_counter()
        try:
            model = usage.fit(sar_parameters(parameters), progress=self._on_training_progress)
        except NoValidEventsError as error:
            raise TrainingFailedError(str(error), statistics) from None
        except WorkerLostError as error:
            raise TrainingFailedError(f"training on the Dask cluster failed: {error}", statistics) from None
        statistics.update(numberOfUsers=usage.n_users, numberOfUsageItems=model.n_items)
        if catalog is not None:
            statistics.update(numberOfCatalogItems=catalog.n_items,
                              catalogCoverage=round(model.n_items / catalog.n_items, 6))
            if parameters.get("enableColdItemPlacement"):
                model = self._place_cold_items(model, catalog, parameters, statistics)
        statistics["trainingDuration"] = time.perf_counter() - training_started
        return model


def cluster_trainer_factory(settings, blobs, store):
    """The worker's trainer_factory when DASK_SCHEDULER_ADDRESS is set: report_progress -> a trainer."""
    return lambda report_progress: DistributedModelTrainer(
        blobs, store, report_progress, settings.max_parsing_errors,
        scheduler_address=settings.dask_scheduler_address, connection_string=settings.azure_storage_connection_string)
