"""The worker's trainer on a Dask cluster (DASK_SCHEDULER_ADDRESS): the statistics and model of a local training."""
import socket
import uuid
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from cluster_data import assert_same_answers, assert_same_model, upload, usage_files
from distributed import get_task_stream

import webjob.engines.dask_cluster
from model_provider import BlobModelStore
from recommender import from_bytes
from recommender.rules import Rules
from recommender.scoring import recommend, similar_items
from registry import ModelRecord, ModelStatus, TableModelRegistry
from storage.queues import ModelQueues
from webjob.engines.dask_cluster import DaskEngine
from webjob.exceptions import TrainingFailedError
from webjob.training_flow import ModelTrainer
from webjob.worker import Worker

PARAMETERS = {"supportThreshold": 2, "cooccurrenceUnit": "User", "similarityFunction": "Jaccard",
              "enableUserAffinity": True, "enableUserToItemRecommendations": True,
              "allowSeedItemsInRecommendations": False, "enableBackfilling": True, "decayPeriodInDays": 30,
              "backfillStrategy": "Trending", "trendingHalfLifeInDays": 3}
TIMINGS = ("duration", "Duration")


def record_for(container: str, **paths) -> ModelRecord:
    return ModelRecord(id=str(uuid.uuid4()), description=None, creation_time=datetime.now(timezone.utc),
                       status=ModelStatus.IN_PROGRESS, status_message="claimed",
                       parameters={"blobContainerName": container, **PARAMETERS, **paths})


def without_timings(value, approximate: bool = False):
    """The statistics with every duration left out (and with approximate, floats as pytest.approx to 1e-9):
    what two trainings of the same data agree on (evaluation averages over users met in another order)."""
    if isinstance(value, dict):
        return {key: without_timings(item, approximate) for key, item in value.items() if not key.endswith(TIMINGS)}
    if isinstance(value, list):
        return [without_timings(item, approximate) for item in value]
    if approximate and isinstance(value, float):
        return pytest.approx(value, rel=1e-9, abs=1e-12)
    return value


@pytest.fixture
def trainers(dask_client, settings, storage):
    store = BlobModelStore(storage.blobs.get_container_client(settings.models_container))
    messages = []
    local = ModelTrainer(storage.blobs, store, messages.append, settings.max_parsing_errors)
    cluster = ModelTrainer(storage.blobs, store, messages.append, settings.max_parsing_errors,
                           engine=DaskEngine.for_settings(
                               replace(settings, dask_scheduler_address=dask_client.scheduler.address), storage.blobs))
    return local, cluster, store, messages


def test_trains_the_model_and_statistics_of_a_local_training(trainers, usage_container):
    local, cluster, store, messages = trainers
    files = usage_files(seed=4, n_files=3)
    upload(usage_container, files[:2])
    upload(usage_container, [("test/held-out.csv", files[2][1])])  # evaluation: users with training history
    local_record = record_for(usage_container.container_name, usageRelativePath="usage",
                              evaluationUsageRelativePath="test/held-out.csv")
    cluster_record = record_for(usage_container.container_name, usageRelativePath="usage",
                                evaluationUsageRelativePath="test/held-out.csv")

    expected = local.train(local_record)
    messages.clear()
    statistics = cluster.train(cluster_record)

    assert without_timings(statistics) == without_timings(expected, approximate=True)
    assert statistics["evaluation"]["metrics"]["rankingMetrics"][0]["usersInTest"] > 100
    assert any("on the Dask cluster" in message for message in messages)
    cluster_model = from_bytes(store.load(cluster_record.id).data)
    local_model = from_bytes(store.load(local_record.id).data)
    assert_same_model(cluster_model, local_model)
    # Trending (issue 21) is the backfill here, and ranks otherwise than all-time popularity on this data.
    assert cluster_model.params.backfill_strategy == "Trending"
    assert list(local_model.trending_items) != list(local_model.popular_items)
    assert list(cluster_model.trending_items) == list(local_model.trending_items)


def catalog_of(item_numbers) -> bytes:
    """Catalog lines of the items i<n>: three categories, and a colour feature for cold item placement."""
    return "".join(f"i{n},Name,{('shoes', 'hats', 'bags')[n % 3]},d,color=c{n % 4}\n" for n in item_numbers).encode()


@pytest.mark.parametrize("cold", [False, True])
def test_a_catalog_gives_both_engines_the_same_categories_and_answers(trainers, usage_container, cold):
    """Issue 20: only the local flow attached the catalog's categories, so a cluster model refused maxPerCategory.

    The usage has items i0..i119; the catalog lists i0..i99 and the cold i120..i129. Issue 18: without cold
    placement, usage items outside the catalog stay in the model; with it, they are UnknownItemId warnings.
    """
    local, cluster, store, _ = trainers
    upload(usage_container, usage_files(seed=6, n_files=2, lines_per_file=600))
    usage_container.upload_blob("catalog.csv", catalog_of([*range(100), *range(120, 130)]))
    records = [record_for(usage_container.container_name, usageRelativePath="usage",
                          catalogFileRelativePath="catalog.csv", enableColdItemPlacement=cold) for _ in range(2)]

    expected = local.train(records[0])
    statistics = cluster.train(records[1])

    assert without_timings(statistics) == without_timings(expected, approximate=True)
    ours, single = (from_bytes(store.load(record.id).data) for record in (records[1], records[0]))
    assert_same_model(ours, single)
    assert ours.item_categories is not None, "the cluster model holds no categories"
    assert list(ours.item_categories) == list(single.item_categories)
    assert single.item_categories[single.item_index["i3"]] == "shoes"
    capped = Rules(max_per_category=1)
    for item in single.item_ids:
        assert_same_answers(similar_items(ours, item, 10, capped), similar_items(single, item, 10, capped))
    for user in single.user_ids:
        assert_same_answers(recommend(ours, user, k=10, rules=capped), recommend(single, user, k=10, rules=capped))
    outside = [item for item in single.item_ids if int(item[1:]) in range(100, 120)]
    unknown = [error for error in statistics["usageEventsParsing"]["errors"] if error["error"] == "UnknownItemId"]
    if cold:
        assert not outside and unknown[0]["count"] > 0
        assert "i125" in single.item_index  # placed from the catalog
    else:
        assert outside and not unknown
        assert "i125" not in single.item_index


def test_bad_input_fails_the_model_with_the_file_and_line(trainers, usage_container):
    _, cluster, _, _ = trainers
    upload(usage_container, [("bad.csv", b"u1,i1\n" + b"one-field\n" * 101)])
    with pytest.raises(TrainingFailedError) as failure:
        cluster.train(record_for(usage_container.container_name, usageRelativePath="bad.csv"))
    assert "MissingFields" in str(failure.value) and "bad.csv line 2" in str(failure.value)
    assert failure.value.statistics["usageEventsParsing"]["errors"][0]["count"] == 101


def test_an_unreachable_scheduler_fails_the_attempt_quickly(settings, storage, usage_container, monkeypatch):
    monkeypatch.setattr(webjob.engines.dask_cluster, "CONNECT_TIMEOUT_SECONDS", 1.0)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{unused.getsockname()[1]}"
    trainer = ModelTrainer(storage.blobs, None, lambda message: None, settings.max_parsing_errors,
                           engine=DaskEngine.for_settings(replace(settings, dask_scheduler_address=address),
                                                          storage.blobs))
    with pytest.raises(OSError):  # a failed attempt: the train message is retried later, like any other
        trainer.train(record_for(usage_container.container_name, usageRelativePath="usage"))


def test_a_worker_with_a_scheduler_address_trains_on_the_cluster(dask_client, settings, storage, usage_container):
    registry = TableModelRegistry(storage.tables.get_table_client(settings.models_table))
    store = BlobModelStore(storage.blobs.get_container_client(settings.models_container))
    worker = Worker.from_storage(replace(settings, dask_scheduler_address=dask_client.scheduler.address), storage,
                                 registry=registry, store=store)
    upload(usage_container, usage_files(seed=8, n_files=2, lines_per_file=300))
    record = record_for(usage_container.container_name, usageRelativePath="usage")
    registry.create(replace(record, status=ModelStatus.CREATED, status_message="created"))
    ModelQueues(storage.queues, settings).send_train(record.id)

    with get_task_stream(client=dask_client) as stream:
        assert worker.work(burst=True) is True

    trained = registry.get(record.id)
    assert trained.status == ModelStatus.COMPLETED, trained.status_message
    assert trained.statistics["numberOfUsers"] > 200
    parsed = [task for task in stream.data if str(task["key"]).startswith("parse_part-usage/part-")]
    assert len(parsed) == 2  # one parsing task per usage file, on the cluster
    assert from_bytes(store.load(record.id).data).n_items == trained.statistics["numberOfUsageItems"]
