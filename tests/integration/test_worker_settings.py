"""The worker's delivery settings: documented defaults, and bad values refused with the variable's name."""
import pytest

from config.settings import Settings, SettingsError

STORAGE = {"AZURE_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true"}


def worker_settings(**environ) -> Settings:
    return Settings.from_environ({**STORAGE, **environ}, require_api_keys=False)


def test_defaults_and_poison_queue_names():
    settings = worker_settings(TRAIN_QUEUE="train-x")
    assert (settings.message_visibility_seconds, settings.heartbeat_seconds, settings.max_dequeue_count) == (60, 5.0, 5)
    assert (settings.retry_backoff_seconds, settings.max_retry_backoff_seconds) == (1.0, 30.0)
    assert settings.auto_default_model is True
    assert (settings.train_poison_queue, settings.delete_poison_queue) == ("train-x-poison", "delete-models-poison")


@pytest.mark.parametrize("environ, variable", [
    ({"MAX_DEQUEUE_COUNT": "0"}, "MAX_DEQUEUE_COUNT"),
    ({"HEARTBEAT_SECONDS": "-1"}, "HEARTBEAT_SECONDS"),
    ({"MESSAGE_VISIBILITY_SECONDS": "2.5"}, "MESSAGE_VISIBILITY_SECONDS"),
    ({"RETRY_BACKOFF_SECONDS": "5", "MAX_RETRY_BACKOFF_SECONDS": "1"}, "MAX_RETRY_BACKOFF_SECONDS"),
    ({"TRAIN_QUEUE": "t" * 57}, "TRAIN_QUEUE"),
    ({"AUTO_DEFAULT_MODEL": "maybe"}, "AUTO_DEFAULT_MODEL"),
])
def test_bad_values_name_the_variable(environ, variable):
    with pytest.raises(SettingsError, match=variable):
        worker_settings(**environ)


@pytest.mark.parametrize("raw, value", [("false", False), ("0", False), ("Off", False), ("true", True), ("yes", True)])
def test_auto_default_model_reads_true_and_false(raw, value):
    assert worker_settings(AUTO_DEFAULT_MODEL=raw).auto_default_model is value
