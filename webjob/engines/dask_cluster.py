"""The Dask engine (DASK_SCHEDULER_ADDRESS): usage parsed, grouped and fitted on a Dask cluster (distributed_sar).

Each Dask worker downloads and parses its own usage blobs; the web job holds only the catalog, the
evaluation files, the reports and the trained model, as in a local training. A task that keeps killing
Dask workers fails the model with that reason; a scheduler that cannot be reached, or drops the training,
fails the attempt, and the train message is retried like any failed attempt. Imported only when the
settings name a scheduler: it needs the optional `distributed` extra.
"""
import contextlib
from typing import Callable, Optional

import pandas as pd
from distributed import Client
from distributed.security import Security

from config.secret import Secret
from distributed_sar import BlobFiles, ClusterUsage, WorkerLostError, load_usage_blobs
from recommender import SARModel, SARParameters
from storage.sas import ReadOnlyContainerUrls

from ..exceptions import TrainingFailedError, UnusableInputError
from ..input_blobs import InputBlobs

CONNECT_TIMEOUT_SECONDS = 30.0
"""How long to try reaching the Dask scheduler before the attempt fails (and is retried later)."""


class DaskEngine:
    """Trains on the Dask cluster at `scheduler_address`; its workers read a container's blobs with the URL
    `container_url(name)` gives (a short-lived read-only SAS: no account credential leaves this process)."""

    def __init__(self, scheduler_address: str, container_url: Callable[[str], Secret],
                 security: Optional[Security] = None):
        self._scheduler_address, self._container_url, self._security = scheduler_address, container_url, security

    @classmethod
    def for_settings(cls, settings, blob_service) -> "DaskEngine":
        """The engine of DASK_SCHEDULER_ADDRESS, with DASK_SAS_SECONDS and the DASK_TLS_* files."""
        urls = ReadOnlyContainerUrls.for_settings(settings, blob_service)
        return cls(settings.dask_scheduler_address, urls.url_of, security_for(settings))

    @contextlib.contextmanager
    def connect(self, report_progress):
        """A loader on a client of the scheduler, closed at the end. :raise OSError: unreachable scheduler"""
        report_progress(f"Connecting to the Dask scheduler at {self._scheduler_address}")
        with cluster_client(self._scheduler_address, self._security) as client:
            yield _ClusterLoader(client, self._container_url)


def cluster_client(scheduler_address: str, security: Optional[Security]) -> Client:
    """A client of the scheduler, for a `with` block. :raise OSError: unreachable within CONNECT_TIMEOUT_SECONDS"""
    return Client(scheduler_address, timeout=CONNECT_TIMEOUT_SECONDS, set_as_default=False, security=security)


def security_for(settings) -> Optional[Security]:
    """Mutual TLS with the scheduler when DASK_TLS_CA_FILE, DASK_TLS_CERT and DASK_TLS_KEY are set, else None."""
    if not settings.dask_tls_ca_file:
        return None
    return Security(tls_ca_file=settings.dask_tls_ca_file, tls_client_cert=settings.dask_tls_cert,
                    tls_client_key=settings.dask_tls_key, require_encryption=True)


class _ClusterLoader:
    def __init__(self, client, container_url):
        self._client, self._container_url = client, container_url

    def load(self, blobs: InputBlobs, known_items: Optional[pd.Index], max_errors: int,
             report_progress) -> "ClusterTrainingUsage":
        """Parse usage blobs on the cluster. :raise TooManyParsingErrorsError: :raise UnreadableFileError:"""
        files = BlobFiles.of(self._container_url(blobs.container.container_name), blobs.container, blobs.names)
        try:
            usage = load_usage_blobs(
                self._client, files, max_errors, known_items=known_items, what=blobs.what,
                progress=lambda stage, fraction: report_progress(
                    f"{stage} on the Dask cluster ({fraction:.0%}; {len(blobs.names)} files)"))
        except WorkerLostError as error:
            raise UnusableInputError(f"parsing on the Dask cluster failed: {error}") from None
        return ClusterTrainingUsage(usage)


class ClusterTrainingUsage:
    """Usage held on the cluster (distributed_sar.ClusterUsage), whose lost workers fail the training."""

    def __init__(self, usage: ClusterUsage):
        self._usage = usage
        self.report, self.n_events, self.n_users = usage.report, usage.n_events, usage.n_users

    def fit(self, params: SARParameters, progress=None) -> SARModel:
        """SAR fitted on the cluster. :raise NoValidEventsError: :raise TrainingFailedError: workers lost"""
        try:
            return self._usage.fit(params, progress=progress)
        except WorkerLostError as error:
            raise TrainingFailedError(f"training on the Dask cluster failed: {error}") from None

    def events_of(self, user_ids) -> pd.DataFrame:
        """The events of the given users, fetched from the cluster."""
        return self._usage.events_of(user_ids)

    def release(self):
        """Free the cluster memory the events hold."""
        self._usage.release()
