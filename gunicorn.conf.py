"""Recommended gunicorn settings: `gunicorn "webapp:create_app()"` picks this file up from the working directory.

Scoring is CPU-bound numpy work, so one process per core; a few threads per
process overlap the storage calls (registry reads, model downloads).
"""
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", os.cpu_count() or 2))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 120  # a first request may download and load a large model
graceful_timeout = 10
keepalive = 5
# gunicorn's most (default 4094): the longest valid URL, a 450-character itemId of 4-byte UTF-8 characters
# percent-encoded, is about 5.5 kB. Longer request lines get gunicorn's own 414 (see webapp/openapi.yaml).
limit_request_line = 8190
accesslog = "-"
