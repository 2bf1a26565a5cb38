"""What a Dask cluster is trusted with (issue 19): a read-only SAS per container, never the account key, and
TLS to the scheduler when the DASK_TLS_* settings are set."""
import pickle
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import distributed
import pytest
from azure.core.exceptions import HttpResponseError
from azure.storage.blob import ContainerClient
from cluster_data import blob_files, upload, usage_files
from distributed.security import Security

from config.secret import Secret
from config.settings import Settings
from storage.sas import account_key_of
from webjob.engines.dask_cluster import DaskEngine
from webjob.input_blobs import InputBlobs


def test_the_task_payload_carries_a_read_only_sas_and_no_account_key(azurite, usage_container):
    files = usage_files(seed=3, n_files=1, lines_per_file=50)
    blobs = blob_files(azurite, usage_container, upload(usage_container, files))
    payload = pickle.dumps(blobs)  # what the scheduler hands each Dask worker with its task
    key = account_key_of(Secret(azurite.connection_string))
    assert key and key.encode() not in payload and b"AccountKey" not in payload
    assert "**" in repr(blobs)  # the SAS is a Secret: masked in any log line or error message
    sas = parse_qs(urlsplit(str(blobs.container_url)).query)
    assert sas["sp"] == ["r"] and "se" in sas
    assert blobs.read(files[0][0]) == files[0][1]  # the SAS alone reads the blob (what a Dask worker does)
    with ContainerClient.from_container_url(str(blobs.container_url)) as container, \
            pytest.raises(HttpResponseError) as refused:
        container.upload_blob("written-with-the-sas.csv", b"u,i\n")
    assert refused.value.status_code == 403


def write_temporary_certificates(directory) -> dict:
    """A self-signed CA, certificate and key (one for every role), as the DASK_TLS_* files."""
    security = Security.temporary()
    files = {"DASK_TLS_CA_FILE": security.tls_ca_file, "DASK_TLS_CERT": security.tls_client_cert,
             "DASK_TLS_KEY": security.tls_client_key}
    for name, pem in files.items():
        (directory / name).write_text(pem)
    return security, {name: str(directory / name) for name in files}


def test_the_engine_speaks_mutual_tls_to_a_tls_scheduler(tmp_path, azurite, storage, usage_container):
    security, tls_files = write_temporary_certificates(tmp_path)
    upload(usage_container, usage_files(seed=6, n_files=2, lines_per_file=100))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tls://",
                                  security=security, dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tls://")
        tls_settings = Settings.from_environ({"AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string,
                                              "DASK_SCHEDULER_ADDRESS": cluster.scheduler_address, **tls_files},
                                             require_api_keys=False)
        engine = DaskEngine.for_settings(tls_settings, storage.blobs)
        blobs = InputBlobs.find(storage.blobs, usage_container.container_name, "usage", "usage files")
        with engine.connect(lambda message: None) as loader:
            usage = loader.load(blobs, None, 100, lambda message: None)
            assert usage.n_events == 200
            usage.release()
        without_tls = DaskEngine.for_settings(replace(tls_settings, dask_tls_ca_file=None), storage.blobs)
        with pytest.raises(TypeError, match="TLS"):  # without the settings' certificates no connection opens
            with without_tls.connect(lambda message: None):
                pass
