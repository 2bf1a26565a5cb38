"""Azurite stopped for 30 s, then restarted on the same ports and data: workers recover by themselves.

One outage covers the cases the issue names, each worker on storage names of its own so that none can
take another's work: one worker is training when storage goes away, one is polling idle queues, and one
is training and gets SIGTERM during the outage (it must still exit within 10 s).
"""
import time

import pytest
from api_keys import KEYS
from usage_data import CLUSTERED_USAGE
from worker_fleet import WorkerFleet, create_model, synthetic_usage, upload_usage, wait_for_statuses, wait_until

from config.settings import Settings
from devtools.azurite import Azurite
from registry import ModelStatus, TableModelRegistry
from storage.clients import StorageClients
from storage.queues import ModelQueues

OUTAGE_SECONDS = 30


@pytest.fixture
def private_azurite():
    """An Azurite of this test's own: stopping the session's one would break the tests running after."""
    with Azurite() as instance:
        yield instance


class World:
    """One worker's storage names, created, with its registry, queues and a data container."""

    def __init__(self, azurite, suffix: str, tmp_path):
        self.names = {"models_table": f"models{suffix}", "models_container": f"models-{suffix}",
                      "train_queue": f"train-{suffix}", "delete_queue": f"delete-{suffix}"}
        settings = Settings.from_environ({"AZURE_STORAGE_CONNECTION_STRING": azurite.connection_string,
                                          **{name.upper(): value for name, value in self.names.items()}},
                                         require_api_keys=False)
        storage = StorageClients.from_settings(settings)
        storage.ensure_resources(settings)
        self.registry = TableModelRegistry(storage.tables.get_table_client(settings.models_table))
        self.queues = ModelQueues(storage.queues, settings)
        self.data = storage.blobs.create_container(f"data-{suffix}")
        self.fleet = WorkerFleet(azurite.connection_string, KEYS, self.names, tmp_path)

    def create_model(self, usage_path: str) -> str:
        return create_model(self.registry, self.queues, self.data.container_name, usage_path)

    def wait_for_completion(self, model_id: str, timeout: float) -> None:
        record = wait_for_statuses(self.registry, [model_id], timeout=timeout, fleet=self.fleet)[model_id]
        assert record.status == ModelStatus.COMPLETED, record.status_message


def test_workers_recover_from_a_30_s_storage_outage(private_azurite, tmp_path):
    training, idle, stopped = (World(private_azurite, suffix, tmp_path) for suffix in ("training", "idle", "stopped"))
    for world in (training, stopped):
        upload_usage(world.data, "big", synthetic_usage(600_000, 6))
    idle.data.upload_blob("small.csv", CLUSTERED_USAGE)
    try:
        training.fleet.start("training-worker")
        idle.fleet.start("idle-worker")
        stopped.fleet.start("stopped-worker")
        big_model, stopped_model = training.create_model("big"), stopped.create_model("big")
        training.fleet.wait_for_a_training()
        stopped.fleet.wait_for_a_training()

        private_azurite.stop()
        time.sleep(5)
        stopping_at = time.monotonic()
        stopped.fleet.processes["stopped-worker"].stop(grace_seconds=15)
        stop_seconds = time.monotonic() - stopping_at
        time.sleep(OUTAGE_SECONDS - 5 - stop_seconds)
        assert all(process.process.poll() is None for world in (training, idle)
                   for process in world.fleet.processes.values()), "a worker exited during the outage"
        private_azurite.start()
        small_model = idle.create_model("small.csv")
        stopped.fleet.start("stopped-worker-successor", wait=False)

        assert stop_seconds < 10
        training.wait_for_completion(big_model, timeout=120)
        idle.wait_for_completion(small_model, timeout=30)
        stopped.wait_for_completion(stopped_model, timeout=60)
        assert "storage unavailable" in idle.fleet.logs()  # it did notice the outage
        # The training reads its usage files one at a time: cut off mid-download, that attempt fails and the
        # message's next delivery starts it once more. Never a third time, never two at once.
        assert [delivery for _, delivery in training.fleet.trainings_started()] in ([1], [1, 2])
        for world in (training, idle, stopped):
            wait_until(lambda: world.queues.train.get_queue_properties().approximate_message_count == 0, 10,
                       "drained queues")
    finally:
        for world in (training, idle, stopped):
            world.fleet.stop_all()
