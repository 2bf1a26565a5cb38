"""Usage data for the cluster tests (seeded, skewed, with ties, a few bad lines, spread over several blobs),
and the comparison of a cluster-trained model with a single-process one."""
from datetime import timedelta

import numpy as np
from azure.storage.blob import BlobServiceClient

from config.secret import Secret
from distributed_sar import BlobFiles
from recommender import SARModel
from recommender.parsing import parse_usage_files
from recommender.scoring import recommend_for_users, similar_items
from storage.sas import ReadOnlyContainerUrls, account_key_of

SCORE_TOLERANCE = 1e-9

EVENT_TYPES = ["Click", "RecommendationClick", "AddShopCart", "RemoveShopCart", "Purchase", ""]


def usage_files(seed: int = 5, n_files: int = 3, lines_per_file: int = 1500, users: int = 300,
                items: int = 120) -> list:
    """[(name, bytes)]: skewed items, repeated users across files, event types, weights, baskets, bad lines,
    and lines kept with warnings."""
    rng = np.random.default_rng(seed)
    files = []
    for number in range(n_files):
        lines = []
        for line in range(lines_per_file):
            user, item = rng.integers(0, users), int(rng.zipf(1.4)) % items
            day, hour = rng.integers(1, 28), rng.integers(0, 3)  # few distinct times: baskets of several items
            kind = EVENT_TYPES[rng.integers(0, len(EVENT_TYPES))]
            weight = f"{rng.integers(1, 5)}" if rng.random() < 0.2 else ""
            if line % 500 == 11:
                kind, weight = ("Like", "heavy") if line % 1000 == 11 else (kind.lower(), weight)  # warnings, any case
            lines.append(f"u{user},i{item},2024-03-{day:02d}T{hour:02d}:00:00,{kind},{weight}\n")
            if line % 500 == 7:
                lines.append(f"u{user},i{item},not-a-date\n")  # BadTimestampFormat
        files.append((f"usage/part-{number}.csv", "".join(lines).encode()))
    return files


def upload(container, files: list) -> list:
    """Upload the files; return their names (name order, as the worker lists a folder)."""
    for name, content in files:
        container.upload_blob(name, content)
    return sorted(name for name, _ in files)


def read_only_urls(azurite) -> ReadOnlyContainerUrls:
    """Read-only SAS URLs of the session Azurite's containers, signed with its account key."""
    connection = Secret(azurite.connection_string)
    return ReadOnlyContainerUrls(BlobServiceClient.from_connection_string(str(connection)),
                                 account_key_of(connection), timedelta(hours=1))


def blob_files(azurite, container, names) -> BlobFiles:
    """BlobFiles the Dask workers read with a read-only SAS URL of the container."""
    return BlobFiles.of(read_only_urls(azurite).url_of(container.container_name), container, names)


def parse_locally(files: list, max_errors: int = 100):
    """The single-machine parse of the same files: (events, report)."""
    return parse_usage_files(iter(files), max_errors)


MEMORY_LIMIT = "1GiB"


def local_cluster(**options):
    """2 worker processes, one thread each: a small stand-in for a real cluster."""
    import distributed

    # The scheduler's HTTP server on a free loopback port (None would still take :8787, on every address).
    return distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                    dashboard_address="127.0.0.1:0", memory_limit=MEMORY_LIMIT, **options)


def assert_same_model(ours: SARModel, single: SARModel):
    """Same ids in the same order, the same matrices, and the same answers to every question."""
    assert list(ours.item_ids) == list(single.item_ids)
    np.testing.assert_array_equal(ours.popularity, single.popularity)
    np.testing.assert_allclose(ours.trending, single.trending, rtol=1e-12)  # sums over groups: another order
    assert ours.reference_time == single.reference_time or np.isnan([ours.reference_time, single.reference_time]).all()
    for name in ("similarity", "user_affinity"):
        mine, theirs = getattr(ours, name), getattr(single, name)
        if theirs is None:
            assert mine is None
            continue
        assert mine.shape == theirs.shape and mine.nnz == theirs.nnz
        np.testing.assert_array_equal(mine.indptr, theirs.indptr)
        np.testing.assert_array_equal(mine.indices, theirs.indices)
        np.testing.assert_allclose(mine.data, theirs.data, rtol=0, atol=SCORE_TOLERANCE)
    for item in single.item_ids:
        assert_same_answers(similar_items(ours, item, k=10), similar_items(single, item, k=10))
    if single.user_ids is not None:
        assert list(ours.user_ids) == list(single.user_ids)
        users = list(single.user_ids)
        for mine, theirs in zip(recommend_for_users(ours, users, k=10), recommend_for_users(single, users, k=10)):
            assert_same_answers(mine, theirs)


def assert_same_answers(mine: list, theirs: list):
    assert [item for item, _ in mine] == [item for item, _ in theirs]
    np.testing.assert_allclose([score for _, score in mine], [score for _, score in theirs], rtol=0,
                               atol=SCORE_TOLERANCE)
