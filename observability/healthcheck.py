"""`python -m observability.healthcheck [live|ready]`: exit 0 when this container's ops port says so (Docker's HEALTHCHECK).

Both roles serve the ops port (METRICS_PORT) on the same address: the web app from its gunicorn master,
the worker from its own process.
"""
import os
import sys
import urllib.error
import urllib.request

from config.settings import Settings, SettingsError

TIMEOUT_SECONDS = 5


def main(argv: list) -> int:
    probe = argv[0] if argv else "ready"
    if probe not in ("live", "ready"):
        print(f"usage: python -m observability.healthcheck [live|ready], not {probe!r}", file=sys.stderr)
        return 2
    try:
        settings = Settings.from_environ(os.environ, require_api_keys=False)
    except SettingsError as error:
        print(f"healthcheck: {error}", file=sys.stderr)
        return 1
    if not settings.metrics_port:
        print("healthcheck: METRICS_PORT is 0, so there is no ops port to ask", file=sys.stderr)
        return 1
    host = "127.0.0.1" if settings.metrics_host in ("0.0.0.0", "") else settings.metrics_host
    url = f"http://{host}:{settings.metrics_port}/health/{probe}"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            print(response.read().decode())
            return 0
    except urllib.error.HTTPError as error:
        print(f"healthcheck: {url} answered {error.code}: {error.read().decode(errors='replace')}", file=sys.stderr)
    except OSError as error:
        print(f"healthcheck: {url} did not answer: {error}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
