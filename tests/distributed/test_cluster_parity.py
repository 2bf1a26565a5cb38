"""SAR trained on a LocalCluster equals SAR trained in one process: same indices, matrices and answers."""
import numpy as np
import pandas as pd
import pytest
from cluster_data import assert_same_model, blob_files, parse_locally, upload, usage_files

from distributed_sar import load_event_frames, load_usage_blobs
from recommender import SARParameters, TooManyParsingErrorsError, fit

PARAMETER_SETS = [
    SARParameters(support_threshold=1, enable_user_to_item=True),
    SARParameters(support_threshold=3, similarity_function="Lift", enable_user_to_item=True,
                  enable_user_affinity=False),
    SARParameters(support_threshold=2, similarity_function="Cooccurrence", cooccurrence_unit="Timestamp"),
]


@pytest.fixture
def usage_blobs(azurite, usage_container):
    files = usage_files()
    return files, blob_files(azurite, usage_container, upload(usage_container, files))


@pytest.mark.parametrize("params", PARAMETER_SETS, ids=["jaccard-affinity", "lift-binary", "cooccurrence-baskets"])
def test_blobs_parsed_on_the_workers_give_the_single_process_model(dask_client, usage_blobs, params):
    files, blobs = usage_blobs
    events, report = parse_locally(files)
    usage = load_usage_blobs(dask_client, blobs, max_errors=100)
    try:
        model = usage.fit(params)
    finally:
        usage.release()
    assert_same_model(model, fit(events, params))
    assert usage.n_events == len(events) and usage.n_users == events["user_id"].nunique()
    ours = usage.report.as_dict()
    assert ours["errors"] == report.as_dict()["errors"] and ours["errors"][0]["count"] == 9
    assert ours["warnings"] == report.as_dict()["warnings"] and {w["reason"] for w in ours["warnings"]} == {
        "UnknownEventType", "BadWeightFormat"}
    assert (ours["successfulLinesCount"], ours["totalLinesCount"]) == (report.successful_lines, report.total_lines)


def test_tables_split_anywhere_give_the_single_process_model(dask_client):
    rng = np.random.default_rng(11)
    n = 6000
    events = pd.DataFrame({"user_id": [f"u{u}" for u in rng.integers(0, 400, n)],
                           "item_id": [f"i{i % 150}" for i in rng.zipf(1.3, n)],
                           "timestamp": np.where(rng.random(n) < 0.1, np.nan, 1.7e9 + rng.integers(0, 10**7, n)),
                           "weight": rng.choice([1.0, 2.0, -1.0, 4.0], n)})
    params = SARParameters(support_threshold=2, enable_user_to_item=True)
    cuts = [0, 1, 1500, 1501, 4000, n]  # a one-row table, an empty one
    usage = load_event_frames(dask_client, [events.iloc[a:b] for a, b in zip(cuts[:-1], cuts[1:])])
    try:
        assert_same_model(usage.fit(params), fit(events, params))
        history = usage.events_of(["u3", "u7", "nobody"])
    finally:
        usage.release()
    expected = events[events["user_id"].isin(["u3", "u7"])]
    assert len(history) == len(expected) > 0
    pd.testing.assert_frame_equal(history.sort_values(["user_id", "timestamp", "item_id", "weight"],
                                                      ignore_index=True, na_position="first"),
                                  expected.sort_values(["user_id", "timestamp", "item_id", "weight"],
                                                       ignore_index=True, na_position="first"),
                                  check_dtype=False)


def test_too_many_bad_lines_over_all_files_fail_with_the_merged_report(dask_client, azurite, usage_container):
    bad = b"".join(b"lonely-field\n" for _ in range(30))
    names = upload(usage_container, [(f"bad-{n}.csv", b"u1,i1\n" + bad) for n in range(4)])  # 120 bad lines in all
    with pytest.raises(TooManyParsingErrorsError) as failure:
        load_usage_blobs(dask_client, blob_files(azurite, usage_container, names), max_errors=100)
    assert "more than 100 bad lines" in str(failure.value) and "MissingFields" in str(failure.value)
    assert "bad-0.csv line 2" in str(failure.value)  # the earliest file's first bad line is the sample
    assert failure.value.report.error_count() > 100


def test_progress_reports_each_stage_and_may_cancel(dask_client, usage_blobs):
    _, blobs = usage_blobs
    stages = []
    usage = load_usage_blobs(dask_client, blobs, max_errors=100, progress=lambda stage, f: stages.append((stage, f)))
    assert ("Parsing usage files", 1.0) in stages and ("Grouping events by user", 1.0) in stages

    class Cancelled(Exception):
        pass

    def cancel_while_counting(stage, fraction):
        stages.append((stage, fraction))
        if stage == "Counting co-occurrences":
            raise Cancelled

    with pytest.raises(Cancelled):
        usage.fit(SARParameters(support_threshold=1), progress=cancel_while_counting)
    assert stages[-1][0] == "Counting co-occurrences"
    usage.release()
    assert_cluster_forgets_everything(dask_client)


def assert_cluster_forgets_everything(client, timeout: float = 10.0):
    """Every task of a cancelled or released training leaves the scheduler."""
    import time

    deadline = time.monotonic() + timeout
    while client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) == 0
