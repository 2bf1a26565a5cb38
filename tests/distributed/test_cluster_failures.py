"""A Dask worker that dies mid-training: survived (the cluster retries), or a clear failure; never a hang."""
import os
import signal
import time

import dask
import distributed
import pytest
from cluster_data import assert_same_model, blob_files, local_cluster, parse_locally, upload, usage_files

import distributed_sar.similarity
from distributed_sar import BlobFiles, WorkerLostError, load_usage_blobs
from recommender import SARParameters, fit

FAILURE_DEADLINE_SECONDS = 60.0


class PoisonedBlobFiles(BlobFiles):
    """Blobs whose 'poison' file kills the Dask worker process that reads it, every time."""

    def read(self, name: str) -> bytearray:
        if "poison" in name:
            os._exit(1)
        return super().read(name)


def assert_replaced(client, dead_pid: int, workers: int, timeout: float = 30.0):
    """The killed process is gone and the nanny restarted a worker in its place (until then the scheduler may
    still list the dead one: its failed call is dropped)."""
    deadline = time.monotonic() + timeout
    while True:
        pids = set(client.run(os.getpid, on_error="ignore").values())
        if dead_pid not in pids and len(pids) == workers:
            return
        assert time.monotonic() < deadline, f"worker {dead_pid} not replaced within {timeout} s: {pids}"
        time.sleep(0.2)


def test_a_worker_killed_while_counting_is_survived(azurite, usage_container, monkeypatch):
    monkeypatch.setattr(distributed_sar.similarity, "PAIRS_PER_BLOCK", 20_000)  # many blocks: time to kill one
    files = usage_files(seed=9, n_files=4)
    blobs = blob_files(azurite, usage_container, upload(usage_container, files))
    params = SARParameters(support_threshold=2, enable_user_to_item=True)
    killed = []
    with local_cluster() as cluster, distributed.Client(cluster, set_as_default=False) as client:
        worker_pids = client.run(os.getpid)

        def kill_one_worker_once(stage, fraction):
            if stage == "Counting co-occurrences" and fraction > 0 and not killed:
                pid = sorted(worker_pids.values())[0]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

        usage = load_usage_blobs(client, blobs, max_errors=100)
        try:
            model = usage.fit(params, progress=kill_one_worker_once)
        finally:
            usage.release()
        assert killed
        assert_replaced(client, killed[0], len(worker_pids))
    assert_same_model(model, fit(parse_locally(files)[0], params))


def test_a_task_that_keeps_killing_workers_fails_with_a_clear_reason(azurite, usage_container):
    # The poison file alone: a task merely queued on a worker that dies is blamed for its death too.
    names = upload(usage_container, usage_files(seed=2, n_files=2, lines_per_file=200) + [("poison.csv", b"u,i\n")])
    regular = blob_files(azurite, usage_container, names)
    poisoned = PoisonedBlobFiles(regular.container_url, ("poison.csv",), (4,))
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), local_cluster() as cluster, \
            distributed.Client(cluster, set_as_default=False) as client:
        started = time.monotonic()
        with pytest.raises(WorkerLostError) as failure:
            load_usage_blobs(client, poisoned, max_errors=100)
        assert time.monotonic() - started < FAILURE_DEADLINE_SECONDS
        assert "poison.csv" in str(failure.value) and "memory" in str(failure.value)
        # The cluster is usable again: the regular blobs parse.
        usage = load_usage_blobs(client, blob_files(azurite, usage_container, names[1:]), max_errors=100)
        assert usage.n_events == 400
        usage.release()
