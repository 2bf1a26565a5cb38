"""JSON log lines: their fields, the request context, and what never reaches them (issue 9)."""
import io
import json
import logging

import pytest

from config.settings import Settings
from observability import logs

ACCOUNT_KEY = "c2VjcmV0LWFjY291bnQta2V5LW9mLXRoZS10ZXN0"
SETTINGS = Settings.from_environ({
    "AZURE_STORAGE_CONNECTION_STRING": f"DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={ACCOUNT_KEY};",
    "ADMIN_PRIMARY_KEY": "admin-key-0123456", "ADMIN_SECONDARY_KEY": "admin-key-0123456-longer",
    "RECOMMEND_PRIMARY_KEY": "recommend-key-4567"})


@pytest.fixture
def log_lines():
    """A logger writing through the JSON formatter and the redacting filter; returns (logger, lines())."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RedactingFilter(logs.secrets_of(SETTINGS)))
    logger = logging.getLogger("tests.ops.json")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_a_line_is_one_json_object_with_the_standard_fields(log_lines):
    logger, lines = log_lines
    logger.warning("loaded %d models", 3)
    [line] = lines()
    assert line["level"] == "WARNING" and line["logger"] == "tests.ops.json" and line["message"] == "loaded 3 models"
    assert line["timestamp"].endswith("+00:00") and "T" in line["timestamp"]


def test_a_line_is_written_as_json_dumps_writes_it():
    """Byte for byte: operators' searches and alert rules match text such as '"route": "/api/...'."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    record = logging.getLogger("tests.ops.raw").makeRecord("tests.ops.raw", logging.INFO, "", 0, "é %s", ("x",), None,
                                                          extra={"status": 200, "durationMs": 1.25})
    handler.handle(record)
    line = stream.getvalue().rstrip("\n")
    assert line == json.dumps(json.loads(line), ensure_ascii=False)
    assert '"message": "é x"' in line and '"status": 200, "durationMs": 1.25' in line


@pytest.mark.parametrize("created, timestamp", [
    (0.0, "1970-01-01T00:00:00.000+00:00"),
    (1795470485.1239, "2026-11-23T21:48:05.123+00:00"),  # milliseconds are cut, as isoformat cuts them
    (1795470485.9999996, "2026-11-23T21:48:06.000+00:00"),  # rounded to the microsecond first: the next second
    (1795470486.5, "2026-11-23T21:48:06.500+00:00")])
def test_the_timestamp_is_utc_to_the_millisecond(log_lines, created, timestamp):
    logger, lines = log_lines
    record = logger.makeRecord(logger.name, logging.INFO, "", 0, "at a known time", (), None)
    record.created = created
    logger.handle(record)
    assert lines()[0]["timestamp"] == timestamp


def test_the_request_context_and_extra_fields_reach_every_line(log_lines):
    logger, lines = log_lines
    token = logs.bind_context(requestId="r-1", route="/api/models/<model_id:model_id>", method="GET")
    try:
        logger.info("inside", extra={"status": 200, "durationMs": 1.5})
    finally:
        logs.unbind_context(token)
    logger.info("outside")
    inside, outside = lines()
    assert (inside["requestId"], inside["route"], inside["status"], inside["durationMs"]) == \
        ("r-1", "/api/models/<model_id:model_id>", 200, 1.5)
    assert "requestId" not in outside and "status" not in outside


def test_a_model_named_in_the_message_becomes_the_model_id_field(log_lines):
    logger, lines = log_lines
    logger.info("model %s: training started (delivery 1 of 5)", "0A3F1C2E-1111-4222-8333-444455556666")
    logger.info("no model here")
    named, unnamed = lines()
    assert named["modelId"] == "0a3f1c2e-1111-4222-8333-444455556666"
    assert "modelId" not in unnamed


def test_configured_secrets_are_redacted_in_messages_and_tracebacks(log_lines):
    logger, lines = log_lines
    logger.info("keys %s and %s", "admin-key-0123456-longer", "recommend-key-4567")
    logger.info("storage: %s", SETTINGS.azure_storage_connection_string)
    try:
        raise ValueError("bad header admin-key-0123456")
    except ValueError:
        logger.exception("failed with account key %s", ACCOUNT_KEY)
    text = "\n".join(json.dumps(line) for line in lines())
    for secret in ("admin-key-0123456", "recommend-key-4567", ACCOUNT_KEY, "acct;AccountKey"):
        assert secret not in text
    first = lines()[0]
    assert first["message"] == "keys [REDACTED] and [REDACTED]"  # the longer key whole, not its prefix
    assert "bad header [REDACTED]" in lines()[2]["exception"]


def test_a_long_message_such_as_a_payload_is_cut(log_lines):
    logger, lines = log_lines
    payload = json.dumps([{"itemId": f"item-{i}", "eventType": "Purchase"} for i in range(500)])
    logger.error("could not read %s", payload)
    [line] = lines()
    assert len(line["message"]) < logs.MAX_MESSAGE_CHARS + 100
    assert "item-499" not in line["message"] and "more characters not logged" in line["message"]


def test_configure_installs_one_json_handler_however_often_it_is_called():
    root = logging.getLogger()
    before = list(root.handlers)  # an app built by an earlier test may have configured logging already
    try:
        logs.configure(SETTINGS)
        logs.configure(SETTINGS)
        json_handlers = [h for h in root.handlers if isinstance(h.formatter, logs.JsonFormatter)]
        assert len(json_handlers) == 1
        assert len(json_handlers[0].filters) == 1
        assert logging.getLogger("azure").level == logging.WARNING
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)


def test_gunicorn_logconfig_is_accepted_by_dictconfig():
    import logging.config
    config = logs.gunicorn_logconfig(SETTINGS)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logging.config.dictConfig(config)
        [handler] = logging.getLogger("gunicorn.error").handlers
        assert isinstance(handler.formatter, logs.JsonFormatter)
        assert isinstance(handler.filters[0], logs.RedactingFilter)
    finally:
        logging.getLogger("gunicorn.error").handlers.clear()
        root.handlers[:], level = saved
        root.setLevel(level)
