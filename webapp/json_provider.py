"""Flask's JSON answers, compact and in the order the code builds them, from an encoder built once."""
from flask.json.provider import DefaultJSONProvider

from common.json_text import json_text_encoder


class CompactJSONProvider(DefaultJSONProvider):
    """DefaultJSONProvider (the same types, ASCII-escaped), keys unsorted, and no new encoder per answer."""

    sort_keys = False

    def __init__(self, app):
        super().__init__(app)
        self._text = json_text_encoder(self.default)

    def response(self, *args, **kwargs):
        if self.compact is False or (self.compact is None and self._app.debug):
            return super().response(*args, **kwargs)  # indented, as Flask writes it for debugging
        return self._app.response_class(f"{self._text(self._prepare_response_obj(args, kwargs))}\n",
                                        mimetype=self.mimetype)
