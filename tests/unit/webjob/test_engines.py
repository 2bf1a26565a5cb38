"""engine_for: the worker's own engine counts co-occurrences on the threads TRAINING_THREADS gives."""
from config.settings import Settings
from webjob.engines import engine_for


def test_the_worker_trains_on_the_threads_the_settings_give():
    base = {"AZURE_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true", "ADMIN_PRIMARY_KEY": "a-long-admin-key-1"}
    assert engine_for(Settings.from_environ({**base, "TRAINING_THREADS": "1"}), None).threads == 1
    assert engine_for(Settings.from_environ(base), None).threads is None  # one per core
