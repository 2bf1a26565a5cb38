"""Logs as one JSON object per line, with the request's context, and never a secret or a payload.

Every line has `timestamp` (UTC, ISO 8601), `level`, `logger` and `message`;
a web request's lines add `requestId`, `method`, `route` and `modelId`, and
its closing line `status` and `durationMs` (webapp/ops.py sets them through
`bind_context`), and a recommend answer's `kind`, `strategy`, `items`, `backfilled`,
`unknownItem` and `unknownUser`. A worker line that names a model (`model <id>: ...`) carries
it as `modelId` too. The redaction filter replaces every configured secret
(API keys, the storage connection string and its account key) wherever it
appears, and a message (or traceback) is cut at MAX_MESSAGE_CHARS, so a
usage payload that reached a message by accident is not logged whole.
"""
import contextvars
import json
import logging
import re
import sys
import time

MAX_MESSAGE_CHARS = 2000
"""Longest message (and, separately, traceback) a line keeps."""
REDACTED = "[REDACTED]"
MIN_SECRET_CHARS = 4
"""Shorter configured values are not redacted: replacing every 'a' or '12' would garble every line."""

_CONTEXT = contextvars.ContextVar("log_context", default=None)
_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_MODEL_IN_MESSAGE = re.compile(rf"\bmodel ({_GUID})\b")
_EXTRA_FIELDS = ("requestId", "method", "route", "modelId", "status", "durationMs",
                 # a recommend answer's facts (webapp/serving_metrics.py)
                 "kind", "strategy", "items", "backfilled", "unknownItem", "unknownUser")


def bind_context(**fields) -> contextvars.Token:
    """Add fields for the rest of the current context (a request); reset with unbind_context(token)."""
    return _CONTEXT.set({**(_CONTEXT.get() or {}), **fields})


def unbind_context(token: contextvars.Token) -> None:
    """Drop the fields bind_context added (the request is over)."""
    _CONTEXT.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per record; fields passed with `extra=` (status, durationMs, ...) are kept."""

    def format(self, record: logging.LogRecord) -> str:
        message = _truncate(record.getMessage())
        line = {"timestamp": _utc_timestamp(record.created), "level": record.levelname, "logger": record.name,
                "message": message}
        context = _CONTEXT.get()
        if context:
            line.update(context)
        fields = record.__dict__
        for name in _EXTRA_FIELDS:
            if name in fields:
                line[name] = fields[name]
        if "modelId" not in line:
            named = _MODEL_IN_MESSAGE.search(message)
            if named:
                line["modelId"] = named[1].lower()
        if record.exc_info:
            line["exception"] = _truncate(record.exc_text or self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class RedactingFilter(logging.Filter):
    """Replaces every configured secret in a record's message (arguments merged in) and traceback."""

    def __init__(self, secrets):
        super().__init__()
        # Longest first, so that a key containing another key is replaced whole.
        self._secrets = sorted({str(s) for s in secrets if s and len(str(s)) >= MIN_SECRET_CHARS}, key=len,
                               reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a line is logged (test runners swap it)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass  # always the current sys.stderr

    def emit(self, record):
        # StreamHandler.emit, with sys.stderr looked up once and flushed under the lock handle() holds already.
        try:
            stream = sys.stderr
            stream.write(self.format(record) + self.terminator)
            if hasattr(stream, "flush"):  # a stand-in for stderr may have none
                stream.flush()
        except RecursionError:
            raise
        except Exception:  # logging's rule: a line that fails to write must not fail the caller
            self.handleError(record)


def secrets_of(settings) -> list:
    """Every value of the settings that must never be logged: the keys, the connection string, its AccountKey."""
    values = [str(key) for key in (settings.admin_primary_key, settings.admin_secondary_key,
                                   settings.recommend_primary_key, settings.recommend_secondary_key) if key]
    if settings.azure_storage_connection_string:  # unset on Azure, where a managed identity signs in
        connection = str(settings.azure_storage_connection_string)
        values.append(connection)
        values += re.findall(r"(?:AccountKey|SharedAccessSignature)=([^;]+)", connection)
    return values


def _lean_records() -> None:
    """Skip the record fields no line shows: caller frame, thread, process.

    The web app logs a line per request, and finding the caller alone walks the stack. Setting
    `logging._srcfile` to None is the documented way to skip it (the logging HOWTO, "Optimization").
    """
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False


def configure(settings) -> None:
    """Make the root logger write JSON lines to stderr at LOG_LEVEL, secrets redacted. Safe to call again."""
    _lean_records()
    root = logging.getLogger()
    root.setLevel(settings.log_level)
    for handler in root.handlers:
        if isinstance(handler.formatter, JsonFormatter):
            handler.filters = [f for f in handler.filters if not isinstance(f, RedactingFilter)]
            handler.addFilter(RedactingFilter(secrets_of(settings)))
            break
    else:
        handler = StderrHandler()
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RedactingFilter(secrets_of(settings)))
        root.addHandler(handler)
    # The SDKs log every HTTP request (and its headers) at INFO: keep them to warnings.
    logging.getLogger("azure").setLevel(max(logging.WARNING, root.level))


def gunicorn_logconfig(settings) -> dict:
    """gunicorn's logconfig_dict: its own lines and the app's as JSON on stderr, secrets redacted."""
    _lean_records()  # in the master, before the workers fork
    handler = {"class": "observability.logs.StderrHandler", "formatter": "json", "filters": ["redact"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "filters": {"redact": {"()": RedactingFilter, "secrets": secrets_of(settings)}},
        "handlers": {"stderr": handler},
        "root": {"level": settings.log_level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": settings.log_level, "handlers": ["stderr"], "propagate": False},
            "azure": {"level": max(logging.WARNING, logging.getLevelName(settings.log_level))},
        },
    }


def _utc_timestamp(created: float) -> str:
    """ISO 8601 in UTC to the millisecond: 2026-11-23T21:48:05.123+00:00."""
    whole, microseconds = divmod(round(created * 1_000_000), 1_000_000)  # cut, as isoformat cuts, to ms
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(whole))}.{microseconds // 1000:03d}+00:00"


def _truncate(text: str) -> str:
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    return f"{text[:MAX_MESSAGE_CHARS]}... [{len(text) - MAX_MESSAGE_CHARS} more characters not logged]"
