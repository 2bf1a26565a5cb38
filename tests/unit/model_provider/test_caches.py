"""Both cache levels: sliding expiry on an injected clock, bounds, one load under concurrency, invalidation."""
import threading
import time
from datetime import datetime, timezone

import pytest

from model_provider import (CacheLimits, LoadLimits, ModelBlob, ModelBlobNotFoundError, ModelCorruptError,
                            ModelIntegrityError, ModelProvider, SlidingCache)
from model_provider.recommender import count_bucket
from recommender import SARModel, SARParameters, fit, make_events, to_bytes
from recommender.scoring import recommend, similar_items
from registry import InMemoryModelRegistry, ModelNotFoundError, ModelRecord, ModelStatus
from registry.cached import CachedRecordReader


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def small_model(items="ABCDE") -> SARModel:
    users = ["u1", "u1", "u2", "u2", "u3", "u3"]
    picked = [items[0], items[1], items[1], items[2], items[0], items[2]]
    return fit(make_events(users, picked), SARParameters(support_threshold=1))


class CountingStore:
    """A model store in memory that counts loads and can be slowed down; a blob's ETag changes when it is written."""

    def __init__(self, blobs: dict, delay: float = 0.0):
        self.blobs, self.delay, self.loads = dict(blobs), delay, 0
        self.etags = {model_id: "v1" for model_id in blobs}
        self._lock = threading.Lock()

    def load(self, model_id: str, max_bytes=None) -> ModelBlob:
        with self._lock:
            self.loads += 1
        time.sleep(self.delay)
        if model_id not in self.blobs:
            raise ModelBlobNotFoundError(model_id)
        if max_bytes is not None and len(self.blobs[model_id]) > max_bytes:
            raise ModelCorruptError(f"{model_id} is too large", self.etags[model_id])
        return ModelBlob(self.blobs[model_id], self.etags[model_id])

    def etag(self, model_id: str):
        return self.etags.get(model_id)

    def write(self, model_id: str, blob: bytes):
        self.blobs[model_id] = blob
        self.etags[model_id] = f"v{int(self.etags.get(model_id, 'v0')[1:]) + 1}"


def sliding(clock, max_entries=10, max_bytes=1000, idle=10.0):
    return SlidingCache(max_entries=max_entries, max_bytes=max_bytes, idle_seconds=idle, size_of=len, clock=clock)


def test_an_entry_expires_after_its_idle_time_measured_from_its_last_use():
    clock = Clock()
    cache = sliding(clock)
    cache.store("a", "x")
    clock.now = 9.0
    assert cache.lookup("a") == "x"  # used at 9: now lives until 19
    clock.now = 18.0
    assert cache.lookup("a") == "x"
    clock.now = 28.5
    assert cache.lookup("a") is None
    assert (cache.hits, cache.misses) == (2, 1)


def test_entry_and_byte_bounds_evict_the_least_recently_used():
    clock = Clock()
    cache = sliding(clock, max_entries=2, max_bytes=10)
    cache.store("a", "1234")
    cache.store("b", "1234")
    cache.lookup("a")
    cache.store("c", "1")  # three entries: b, the least recently used, goes
    assert cache.lookup("b") is None and cache.lookup("a") == "1234"
    cache.store("d", "123456789")  # 9 bytes: everything else must go
    assert list(cache.keys()) == ["d"]
    assert cache.evictions == 3
    assert cache.store("huge", "x" * 11) is False and "huge" not in cache


def test_provider_loads_a_model_once_under_concurrent_first_requests():
    store = CountingStore({"m": to_bytes(small_model(), "m")}, delay=0.2)
    provider = ModelProvider(store)
    results = []
    threads = [threading.Thread(target=lambda: results.append(provider.get("m"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.loads == 1
    assert len({id(recommender) for recommender in results}) == 1


def test_provider_slides_and_reloads_after_idle_expiry_and_after_forget():
    clock = Clock()
    store = CountingStore({"m": to_bytes(small_model(), "m")})
    provider = ModelProvider(store, CacheLimits(model_idle_seconds=100.0), clock=clock)
    first = provider.get("m")
    clock.now = 90.0
    assert provider.get("m") is first
    clock.now = 180.0
    assert provider.get("m") is first and store.loads == 1
    clock.now = 281.0
    assert provider.get("m") is not first and store.loads == 2
    provider.forget("m")
    provider.get("m")
    assert store.loads == 3


def test_provider_keeps_at_most_max_models_and_serves_a_model_too_large_to_cache():
    store = CountingStore({name: to_bytes(small_model(), name) for name in "abc"})
    provider = ModelProvider(store, CacheLimits(max_models=2))
    for name in "abc":
        provider.get(name)
    assert sorted(provider.cache.keys()) == ["b", "c"]
    tiny = ModelProvider(store, CacheLimits(max_model_bytes=10))
    assert tiny.get("a").similar_items("A", 2)  # served, though never cached
    assert len(tiny.cache) == 0


def test_provider_refuses_a_corrupt_blob_and_a_missing_one_with_clear_errors():
    provider = ModelProvider(CountingStore({"bad": b"SARMODEL\x00\x00\x00\x05{....}"}))
    with pytest.raises(ModelCorruptError, match="bad"):
        provider.get("bad")
    with pytest.raises(ModelBlobNotFoundError):
        provider.get("gone")


def test_provider_refuses_another_models_blob_as_an_integrity_error(caplog):
    provider = ModelProvider(CountingStore({"b": to_bytes(small_model(), "a")}))  # model a's blob, stored as b
    with pytest.raises(ModelIntegrityError, match="another model's"):
        provider.get("b")
    assert "integrity error" in caplog.text and len(provider.cache) == 0


def test_provider_remembers_a_failed_load_by_etag_until_the_blob_changes_or_the_memory_expires():
    clock = Clock()
    store = CountingStore({"m": b"SARMODEL\x00\x00\x00\x05{....}"})
    provider = ModelProvider(store, clock=clock, load_limits=LoadLimits(model_failure_seconds=30.0))
    for _ in range(3):
        with pytest.raises(ModelCorruptError, match="cannot be read"):
            provider.get("m")
    assert store.loads == 1  # parsed once: the next requests got the remembered error
    clock.now = 31.0
    with pytest.raises(ModelCorruptError):
        provider.get("m")
    assert store.loads == 2  # forgotten after 30 s, so read again
    store.write("m", to_bytes(small_model(), "m"))  # an operator restores the blob: a new ETag
    assert provider.get("m").similar_items("A", 2) and store.loads == 3


def test_provider_refuses_a_blob_over_the_size_limit_and_remembers_it():
    store = CountingStore({"m": to_bytes(small_model(), "m")})
    provider = ModelProvider(store, load_limits=LoadLimits(model_max_blob_bytes=100))
    for _ in range(2):
        with pytest.raises(ModelCorruptError, match="too large"):
            provider.get("m")
    assert store.loads == 1


def test_provider_caps_the_header_it_parses():
    store = CountingStore({"m": to_bytes(small_model(), "m")})
    provider = ModelProvider(store, load_limits=LoadLimits(model_max_header_bytes=64))
    with pytest.raises(ModelCorruptError, match="over the limit"):
        provider.get("m")


def test_item_to_item_answers_are_cached_per_count_bucket_and_equal_direct_scoring():
    model = small_model()
    recommender = ModelProvider(CountingStore({"m": to_bytes(model, "m")})).get("m")
    assert [count_bucket(c) for c in (1, 5, 6, 10, 11, 100)] == [5, 5, 10, 10, 20, 100]
    for count in (1, 2, 3, 5):
        assert recommender.similar_items("A", count) == similar_items(model, "A", count)
    assert (recommender.answers.misses, recommender.answers.hits) == (1, 3)  # counts 1..5 share bucket 5
    assert recommender.similar_items(None, 3) == recommend(model, k=3)
    assert recommender.similar_items("nope", 3) == recommender.similar_items("nada", 3) == similar_items(model, "x", 3)
    assert len(recommender.answers) == 3  # A, popular items, and one entry for every unknown id


def test_answer_cache_slides_on_its_own_clock():
    clock = Clock()
    store = CountingStore({"m": to_bytes(small_model(), "m")})
    recommender = ModelProvider(store, CacheLimits(answer_idle_seconds=5.0), clock=clock).get("m")
    recommender.similar_items("A", 3)
    clock.now = 4.0
    recommender.similar_items("A", 3)
    clock.now = 8.0
    recommender.similar_items("A", 3)
    clock.now = 13.5
    recommender.similar_items("A", 3)
    assert (recommender.answers.hits, recommender.answers.misses) == (2, 2)


def record(model_id: str, status: ModelStatus) -> ModelRecord:
    return ModelRecord(model_id, None, datetime.now(timezone.utc), status, "", {})


def test_record_reader_caches_completed_records_for_its_ttl_only():
    clock = Clock()
    registry = InMemoryModelRegistry()
    registry.create(record("done", ModelStatus.COMPLETED))
    registry.create(record("busy", ModelStatus.IN_PROGRESS))
    reader = CachedRecordReader(registry, ttl_seconds=5.0, clock=clock)
    assert reader.get("done").status == ModelStatus.COMPLETED
    assert reader.get("busy").status == ModelStatus.IN_PROGRESS
    registry.update(registry.get("busy").with_status(ModelStatus.COMPLETED, ""))
    assert reader.get("busy").status == ModelStatus.COMPLETED  # not cached while InProgress
    registry.delete("done")
    assert reader.get("done").id == "done"  # another process deleted it: served until the TTL ends
    clock.now = 5.5
    with pytest.raises(ModelNotFoundError):
        reader.get("done")


def test_record_reader_caches_the_default_id_and_forgets_on_demand():
    clock = Clock()
    registry = InMemoryModelRegistry()
    reader = CachedRecordReader(registry, ttl_seconds=5.0, clock=clock)
    assert reader.get_default_id() is None
    registry.create(record("m", ModelStatus.COMPLETED))
    registry.set_default_id("m")
    assert reader.get_default_id() is None  # "no default" is cached too
    reader.forget_default()
    assert reader.get_default_id() == "m"
