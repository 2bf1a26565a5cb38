"""ModelTrainer on blobs in Azurite: the statistics' shape, the stages it reports, and what it stores."""
import subprocess
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from recommender import from_bytes
from recommender.scoring import similar_items
from registry import ModelRecord, ModelStatus
from usage_data import CLUSTERED_USAGE
from webjob.exceptions import TrainingFailedError
from webjob.engines import LocalEngine, engine_for
from webjob.training_flow import ModelTrainer
from worker_harness import DEFAULT_PARAMETERS, store  # noqa: F401 - fixture

# GOOD's items, two colours, and two cold items (no usage) of the same colours.
CATALOG = b"".join(f"{item},Name,category,description,color={color},size=m\n".encode()
                   for item, color in (("a1", "red"), ("a2", "red"), ("a3", "red"), ("b1", "blue"), ("b2", "blue"),
                                       ("b3", "blue"), ("a4", "red"), ("b4", "blue")))
# u0 used a1..a3: with cold placement its best new item is a4; u1 used b1..b3.
EVALUATION = b"u0,a4\nu1,b4\nu1,b1\nstranger,a1\n"


def record_of(container: str, **parameters) -> ModelRecord:
    return ModelRecord(id=str(uuid.uuid4()), description=None, creation_time=datetime.now(timezone.utc),
                       status=ModelStatus.IN_PROGRESS, status_message="Training started",
                       parameters={"blobContainerName": container, "usageRelativePath": "usage",
                                   **DEFAULT_PARAMETERS, **parameters})


@pytest.fixture
def messages():
    return []


@pytest.fixture
def trainer(storage, store, messages):  # noqa: F811 - the harness's store fixture
    return ModelTrainer(storage.blobs, store, messages.append, max_parsing_errors=100)


@pytest.fixture
def full_inputs(usage_container):
    lines = CLUSTERED_USAGE.splitlines(keepends=True)
    usage_container.upload_blob("usage/part1.csv", b"".join(lines[:18]))
    usage_container.upload_blob("usage/part2.csv", b"".join(lines[18:]))
    usage_container.upload_blob("catalog.csv", CATALOG)
    usage_container.upload_blob("evaluation/test.csv", EVALUATION)
    return record_of(usage_container.container_name, catalogFileRelativePath="catalog.csv",
                     evaluationUsageRelativePath="evaluation", enableColdItemPlacement=True)


def test_statistics_have_every_block_in_the_documented_shape(trainer, full_inputs):
    statistics = trainer.train(full_inputs)
    clean_report = {"errors": [], "warnings": [], "successfulLinesCount": 36, "totalLinesCount": 36}
    assert {key: value for key, value in statistics["usageEventsParsing"].items() if key != "duration"} == clean_report
    assert statistics["catalogParsing"]["successfulLinesCount"] == 8
    assert (statistics["numberOfUsers"], statistics["numberOfUsageItems"], statistics["numberOfCatalogItems"]) == \
        (12, 6, 8)
    assert statistics["catalogCoverage"] == 0.75
    assert statistics["numberOfColdItems"] == 2
    assert statistics["catalogFeatureWeights"]["color"] > 0.5
    for duration in ("trainingDuration", "storingDuration", "totalDuration", "coldItemPlacementDuration"):
        assert statistics[duration] > 0
    parts = statistics["usageEventsParsing"]["duration"] + statistics["catalogParsing"]["duration"] + \
        statistics["trainingDuration"] + statistics["evaluation"]["duration"] + statistics["storingDuration"]
    assert statistics["totalDuration"] >= parts


def test_evaluation_block_measures_the_stored_model(trainer, full_inputs, store):  # noqa: F811
    statistics = trainer.train(full_inputs)
    evaluation = statistics["evaluation"]
    assert evaluation["usageEventsParsing"]["successfulLinesCount"] == 4
    metrics = evaluation["metrics"]
    # u0's list starts with the cold a4; u1's with b4 (b1 was a seed, so it cannot come back).
    assert metrics["precisionMetrics"][0] == {"k": 1, "percentage": 100.0, "usersInTest": 2}
    assert [entry["k"] for entry in metrics["rankingMetrics"]] == [1, 2, 3, 4, 5, 10]
    assert metrics["rankingMetrics"][0]["recall"] == pytest.approx((1 + 1 / 2) / 2)
    assert metrics["diversityMetrics"]["uniqueItemsInTrainSet"] == 6
    model = from_bytes(store.load(full_inputs.id).data, expected_model_id=full_inputs.id)
    assert similar_items(model, "a1", k=3)[2].item_id == "a4"
    assert model.item_categories[model.item_index["a4"]] == "category"  # the catalog's, cold items' too


def test_progress_names_each_stage_in_order(trainer, full_inputs, messages):
    trainer.train(full_inputs)
    stages = ["Downloading catalog files", "Parsing catalog files", "Downloading usage files", "Parsing usage files",
              "Core training", "Placing cold items", "Downloading evaluation usage files",
              "Parsing evaluation usage files", "Evaluating the trained model", "Storing the model"]
    firsts = [next((i for i, message in enumerate(messages) if message.startswith(stage)), None) for stage in stages]
    assert None not in firsts, messages
    assert firsts == sorted(firsts), messages
    assert "Parsing usage files: usage/part2.csv (36 lines read)" in messages


def test_a_failed_parse_keeps_its_report_in_the_statistics(trainer, usage_container):
    usage_container.upload_blob("usage/u.csv", CLUSTERED_USAGE)
    usage_container.upload_blob("catalog.csv", b"a1,Name\n" + b"bad\n" * 101)
    with pytest.raises(TrainingFailedError) as raised:
        trainer.train(record_of(usage_container.container_name, catalogFileRelativePath="catalog.csv"))
    assert "more than 100 bad lines in the catalog files: MissingFields (101 lines, first in catalog.csv line 2)" \
        == str(raised.value)
    assert raised.value.statistics["catalogParsing"]["errors"][0]["count"] == 101


def test_a_worker_without_a_scheduler_needs_no_distributed_extra(settings, storage):
    """The `distributed` extra is optional: only the Dask engine imports it, and only when a scheduler is set."""
    assert isinstance(engine_for(settings, storage.blobs), LocalEngine)
    script = ("import sys; sys.modules['distributed'] = None\n"  # `import distributed` now fails
              "import webjob.worker, webjob.training_flow, webjob.engines\n"
              "assert 'distributed_sar' not in sys.modules")
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60, cwd=Path(__file__).parents[2])
