"""The model store on Azurite: a blob's ETag changes when it is written, and a blob over the limit is refused
before it is read; a provider on it refuses another model's blob and remembers a failed load until a new write;
a blob SAS (a Dask worker's, for batch jobs) reads one model blob in the version asked for."""
from datetime import timedelta

import pytest
from azure.core.exceptions import HttpResponseError
from azure.storage.blob import BlobServiceClient

from model_provider import LoadLimits, ModelBlobNotFoundError, ModelCorruptError, ModelIntegrityError, ModelProvider
from model_provider.exceptions import ModelChangedError
from model_provider.store import MODEL_BLOB_NAME, read_blob_url
from recommender import SARParameters, fit, make_events, to_bytes
from storage.sas import ReadOnlyContainerUrls, account_key_of
from worker_harness import store  # noqa: F401 - fixture

MODEL = fit(make_events(["u1", "u1", "u2"], ["x", "y", "x"]), SARParameters(support_threshold=1))


def test_the_etag_changes_with_each_write_and_a_blob_over_the_limit_is_refused(store):
    store.save("m-etag", b"first")
    first = store.load("m-etag")
    assert first.data == b"first" and first.etag == store.etag("m-etag")
    store.save("m-etag", b"second")
    assert store.etag("m-etag") != first.etag
    with pytest.raises(ModelCorruptError, match="over the limit") as refused:
        store.load("m-etag", max_bytes=3)
    assert refused.value.etag == store.etag("m-etag")
    assert store.etag("no-such-model") is None


def test_a_provider_refuses_another_models_blob_then_serves_the_right_one_once_written(store):
    store.save("m-b", to_bytes(MODEL, "m-a"))  # model a's blob under b's id
    provider = ModelProvider(store, load_limits=LoadLimits(model_failure_seconds=60.0))
    for _ in range(2):
        with pytest.raises(ModelIntegrityError):
            provider.get("m-b")
    store.save("m-b", to_bytes(MODEL, "m-b"))
    assert provider.get("m-b").similar_items("x", 2)


def test_a_blob_sas_reads_its_model_in_the_version_asked_for_and_nothing_else(store, settings, azurite):
    store.save("m-sas", b"first")
    store.save("m-other", b"other")
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    urls = ReadOnlyContainerUrls(service, account_key_of(settings.azure_storage_connection_string), timedelta(hours=1))
    url = str(urls.blob_url_of(settings.models_container, MODEL_BLOB_NAME.format(model_id="m-sas")))
    assert read_blob_url(url, store.etag("m-sas")) == b"first"
    stale = store.etag("m-sas")
    store.save("m-sas", b"second")
    with pytest.raises(ModelChangedError):
        read_blob_url(url, stale)  # a part must not be scored by another version than the job's
    assert read_blob_url(url) == b"second"
    with pytest.raises(HttpResponseError) as refused:  # the SAS names one blob: another model's is forbidden
        read_blob_url(url.replace("/m-sas/", "/m-other/"))
    assert refused.value.status_code == 403
    store.delete("m-sas")
    with pytest.raises(ModelBlobNotFoundError):
        read_blob_url(url)
