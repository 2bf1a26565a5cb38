"""The metrics' own logic on in-memory parts: cache counts per level, storage gauges, training outcomes."""
from datetime import datetime, timezone

from prometheus_client import REGISTRY, CollectorRegistry

from model_provider import CacheLimits, ModelBlob, ModelProvider
from observability.labels import OTHER, BoundedLabel, method_label, model_label
from observability.metrics import ANSWER_CACHE, MODEL_CACHE, CacheMetrics, StorageGauges, observe_model_load
from recommender import SARParameters, fit, make_events, to_bytes
from registry import InMemoryModelRegistry, ModelRecord, ModelStatus
from webjob.metered_registry import TrainingMetricsRegistry


class BytesStore:
    def __init__(self, blobs: dict):
        self.blobs = blobs

    def load(self, model_id, max_bytes=None):
        return ModelBlob(self.blobs[model_id], None)


def sample(name, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def cache_samples() -> dict:
    return {(kind, level): sample(f"recsvc_cache_{kind}_total", level=level)
            for kind in ("hits", "misses", "evictions") for level in (MODEL_CACHE, ANSWER_CACHE)}


def test_cache_counts_of_both_levels_reach_the_counters_once():
    model = fit(make_events(["u1", "u1", "u2"], ["x", "y", "x"]), SARParameters(support_threshold=1))
    provider = ModelProvider(BytesStore({"m1": to_bytes(model, "m1"), "m2": to_bytes(model, "m2")}),
                             CacheLimits(max_models=1))
    metrics = CacheMetrics(provider)
    before = cache_samples()

    provider.get("m1").similar_items("x", 5)  # level 1 miss; level 2 miss
    provider.get("m1").similar_items("x", 5)  # level 1 hit; level 2 hit
    metrics.publish()
    provider.get("m2")  # level 1 miss, and m1 is evicted (one model at most)
    metrics.publish()
    metrics.publish()  # nothing new: nothing added

    after = cache_samples()
    delta = {key: after[key] - before[key] for key in after}
    # Exactly the caches' own counts (a load looks the model up twice: two misses), m1's answers included.
    models = provider.cache
    assert delta == {("hits", MODEL_CACHE): models.hits, ("misses", MODEL_CACHE): models.misses,
                     ("evictions", MODEL_CACHE): models.evictions,
                     ("hits", ANSWER_CACHE): 1, ("misses", ANSWER_CACHE): 1, ("evictions", ANSWER_CACHE): 0}
    assert (models.hits, models.evictions) == (1, 1) and models.misses >= 2
    assert sample("recsvc_cache_entries", level=MODEL_CACHE) == 1
    assert sample("recsvc_cache_entries", level=ANSWER_CACHE) == 0  # m2's answers: none yet


def test_a_provider_without_caches_publishes_nothing():
    before = cache_samples()
    CacheMetrics(object()).publish()
    assert cache_samples() == before


def collect(collector) -> dict:
    registry = CollectorRegistry()
    registry.register(collector)
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for m in registry.collect() for s in m.samples}


def test_storage_gauges_are_read_at_most_once_per_ttl_and_say_when_storage_is_down():
    now, reads, broken = [0.0], [], [False]

    def count_models():
        reads.append(now[0])
        if broken[0]:
            raise ConnectionError("storage down")
        return {"Completed": 2, "Failed": 1}

    queues = {"train-models": (4, 90.5), "delete-models": (0, None)}
    gauges = StorageGauges(count_models, lambda: queues, ttl_seconds=10, clock=lambda: now[0])
    first = collect(gauges)
    assert first[("recsvc_models", (("status", "Completed"),))] == 2
    assert first[("recsvc_queue_messages", (("queue", "train-models"),))] == 4
    assert first[("recsvc_queue_oldest_message_age_seconds", (("queue", "train-models"),))] == 90.5
    assert first[("recsvc_queue_oldest_message_age_seconds", (("queue", "delete-models"),))] == 0
    assert first[("recsvc_storage_up", ())] == 1
    now[0] = 5.0
    collect(gauges)
    assert reads == [0.0]  # within the ttl: no second read
    now[0], broken[0] = 11.0, True
    down = collect(gauges)
    assert down == {("recsvc_storage_up", ()): 0}


def test_storage_gauges_without_a_model_count_export_the_queues_only():
    gauges = collect(StorageGauges(None, lambda: {"train-models": (1, 3.0)}))
    assert not any(name == "recsvc_models" for name, _ in gauges)
    assert gauges[("recsvc_queue_oldest_message_age_seconds", (("queue", "train-models"),))] == 3.0


def record(status) -> ModelRecord:
    return ModelRecord(id="9b2f6a8e-0000-4000-8000-000000000001", description=None,
                       creation_time=datetime.now(timezone.utc), status=status, status_message="", parameters={})


def test_the_worker_counts_completed_and_failed_trainings_from_its_registry_writes():
    registry = TrainingMetricsRegistry(InMemoryModelRegistry())
    created = registry.create(record(ModelStatus.CREATED))  # passes through
    before = {outcome: sample("recsvc_trainings_total", outcome=outcome) for outcome in ("completed", "failed")}
    durations = sample("recsvc_training_duration_seconds_count", stage="total")

    registry.update(created.with_status(ModelStatus.IN_PROGRESS, "training"))
    registry.update(registry.get(created.id).with_status(
        ModelStatus.COMPLETED, "done", {"totalDuration": 3.5, "trainingDuration": 2.0, "storingDuration": 0.5}))
    registry.update(registry.get(created.id).with_status(ModelStatus.FAILED, "Failed: no events"))

    assert sample("recsvc_trainings_total", outcome="completed") - before["completed"] == 1
    assert sample("recsvc_trainings_total", outcome="failed") - before["failed"] == 1
    assert sample("recsvc_training_duration_seconds_count", stage="total") - durations == 1
    assert registry.get(created.id).status == ModelStatus.FAILED


def test_the_worker_counts_events_parsed_bad_lines_by_reason_and_stage_durations():
    registry = TrainingMetricsRegistry(InMemoryModelRegistry())
    created = registry.create(record(ModelStatus.CREATED))
    reasons = ("MissingFields", "BadWeightFormat")
    before = {"events": sample("recsvc_training_events_parsed_total"),
              "parsing": sample("recsvc_training_duration_seconds_count", stage="usage_parsing"),
              **{reason: sample("recsvc_training_bad_lines_total", reason=reason) for reason in reasons}}
    usage = {"duration": 0.25, "successfulLinesCount": 40, "totalLinesCount": 45,
             "errors": [{"error": "MissingFields", "count": 3}, {"error": "BadWeightFormat", "count": 2}]}
    catalog = {"duration": 0.1, "successfulLinesCount": 9, "errors": [{"error": "MissingFields", "count": 1}]}
    registry.update(created.with_status(ModelStatus.COMPLETED, "done", {
        "totalDuration": 1.0, "usageEventsParsing": usage, "catalogParsing": catalog}))

    assert sample("recsvc_training_events_parsed_total") - before["events"] == 40  # usage lines, not catalog ones
    assert sample("recsvc_training_bad_lines_total", reason="MissingFields") - before["MissingFields"] == 4
    assert sample("recsvc_training_bad_lines_total", reason="BadWeightFormat") - before["BadWeightFormat"] == 2
    assert sample("recsvc_training_duration_seconds_count", stage="usage_parsing") - before["parsing"] == 1


def test_publishing_waits_out_its_interval_then_adds_everything_since():
    model = to_bytes(fit(make_events(["u1", "u1", "u2"], ["x", "y", "x"]), SARParameters(support_threshold=1)), "m1")
    provider = ModelProvider(BytesStore({"m1": model}), CacheLimits(max_models=1))
    now = [100.0]
    metrics = CacheMetrics(provider, min_interval=1.0, clock=lambda: now[0])
    recommender = provider.get("m1")
    recommender.similar_items("x", 5)  # an answer-cache miss
    before = cache_samples()
    metrics.publish()
    assert cache_samples()[("misses", ANSWER_CACHE)] == before[("misses", ANSWER_CACHE)] + 1
    recommender.similar_items("x", 5)  # a hit, within the interval: not yet published
    now[0] += 0.5
    metrics.publish()
    assert cache_samples()[("hits", ANSWER_CACHE)] == before[("hits", ANSWER_CACHE)]
    now[0] += 0.5  # the interval is over: the hit is added
    metrics.publish()
    assert cache_samples()[("hits", ANSWER_CACHE)] == before[("hits", ANSWER_CACHE)] + 1
    recommender.similar_items("x", 5)  # another hit, then the worker exits within the interval
    metrics.publish(force=True)
    assert cache_samples()[("hits", ANSWER_CACHE)] == before[("hits", ANSWER_CACHE)] + 2


def test_a_model_load_is_timed_and_its_size_observed():
    model = to_bytes(fit(make_events(["u1", "u1", "u2"], ["x", "y", "x"]), SARParameters(support_threshold=1)), "m1")
    provider = ModelProvider(BytesStore({"m1": model}), on_load=observe_model_load)
    before = (sample("recsvc_model_load_seconds_count"), sample("recsvc_model_load_bytes_sum"))
    provider.get("m1")
    provider.get("m1")  # from the cache: no load
    assert sample("recsvc_model_load_seconds_count") - before[0] == 1
    assert sample("recsvc_model_load_bytes_sum") - before[1] == len(model)


def test_label_values_from_outside_fold_into_other():
    assert [method_label(m) for m in ("GET", "DELETE", "FOO", "get", "X" * 500)] == \
        ["GET", "DELETE", OTHER, OTHER, OTHER]
    listed = frozenset({"0b9d3c1e-57a4-4b8e-9a41-000000000001"})
    assert model_label(None, listed) == "default"
    assert model_label("0b9d3c1e-57a4-4b8e-9a41-000000000001", listed) == "0b9d3c1e-57a4-4b8e-9a41-000000000001"
    assert model_label("1b9d3c1e-57a4-4b8e-9a41-000000000001", listed) == OTHER
    bounded = BoundedLabel(2, known=("sar",))
    assert [bounded(v) for v in ("sar", "popular", "trending", "popular", "cold")] == \
        ["sar", "popular", OTHER, "popular", OTHER]
