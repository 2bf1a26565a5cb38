"""Flask's JSON answers, compact and in the order the code builds them, written by orjson.

orjson writes a 10-item answer in about a tenth of the time json.dumps takes, and never writes NaN or
Infinity (not JSON: it writes null), so no answer is invalid JSON whatever a score is.
"""
import orjson
from flask.json.provider import DefaultJSONProvider

ANSWER_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_APPEND_NEWLINE


class CompactJSONProvider(DefaultJSONProvider):
    """DefaultJSONProvider's types, keys unsorted, UTF-8 text, written by orjson."""

    sort_keys = False

    def response(self, *args, **kwargs):
        if self.compact is False or (self.compact is None and self._app.debug):
            return super().response(*args, **kwargs)  # indented, as Flask writes it for debugging
        body = orjson.dumps(self._prepare_response_obj(args, kwargs), default=self.default, option=ANSWER_OPTIONS)
        return self._app.response_class(body, mimetype=self.mimetype)
