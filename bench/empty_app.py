"""The physical limit for bench/serve_load.py: a Flask app whose one route answers an empty JSON list.

    gunicorn --config gunicorn.conf.py "bench.empty_app:create_app()"

Run under the same gunicorn settings as the real app and driven by the same
wrk script (its query string and x-api-key header are ignored), its maximum
throughput is what gunicorn, Flask and the loopback cost before any work of
ours: no auth, no registry, no model, no schema.
"""
from flask import Flask

EMPTY_ROUTE = "/empty"


def create_app() -> Flask:
    """The app: GET /empty answers 200 `[]`."""
    app = Flask(__name__, static_folder=None)

    @app.get(EMPTY_ROUTE)
    def empty():
        return []

    return app
