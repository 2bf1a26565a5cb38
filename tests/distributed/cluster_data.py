"""Usage data for the cluster tests: seeded, skewed, with ties, a few bad lines, spread over several blobs."""
import numpy as np

from distributed_sar import BlobFiles
from recommender.parsing import parse_usage_files

EVENT_TYPES = ["Click", "RecommendationClick", "AddShopCart", "RemoveShopCart", "Purchase", ""]


def usage_files(seed: int = 5, n_files: int = 3, lines_per_file: int = 1500, users: int = 300,
                items: int = 120) -> list:
    """[(name, bytes)]: skewed items, repeated users across files, event types, weights, baskets, bad lines."""
    rng = np.random.default_rng(seed)
    files = []
    for number in range(n_files):
        lines = []
        for line in range(lines_per_file):
            user, item = rng.integers(0, users), int(rng.zipf(1.4)) % items
            day, hour = rng.integers(1, 28), rng.integers(0, 3)  # few distinct times: baskets of several items
            kind = EVENT_TYPES[rng.integers(0, len(EVENT_TYPES))]
            weight = f"{rng.integers(1, 5)}" if rng.random() < 0.2 else ""
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


def blob_files(azurite, container, names) -> BlobFiles:
    """BlobFiles the Dask workers read with the session Azurite's connection string."""
    from common.secret import Secret

    return BlobFiles.of(Secret(azurite.connection_string), container, names)


def parse_locally(files: list, max_errors: int = 100):
    """The single-machine parse of the same files: (events, report)."""
    return parse_usage_files(iter(files), max_errors)


MEMORY_LIMIT = "1GiB"


def local_cluster(**options):
    """2 worker processes, one thread each, no dashboard: a small stand-in for a real cluster."""
    import distributed

    return distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                    memory_limit=MEMORY_LIMIT, **options)
