"""The model store on Azurite: a blob's ETag changes when it is written, and a blob over the limit is refused
before it is read; a provider on it refuses another model's blob and remembers a failed load until a new write."""
import pytest

from model_provider import LoadLimits, ModelCorruptError, ModelIntegrityError, ModelProvider
from recommender import SARParameters, fit, make_events, to_bytes
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
