# `make demo` runs the service with a demo model on Azurite; `make test` runs the whole suite.
# Both install what they need first, into one virtualenv (.venv), from the hashed lock files (requirements/*.txt):
# the demo only what it runs (runtime.txt: Python 3.11 + pip and Node.js + npm are all it needs), the tests the
# dev lock (runtime.txt's pins plus the test and distributed extras) and, as root, Debian's chromium and compose.
# Either may run first: each has its own marker, and the dev lock repeats the runtime pins (tests/ops/test_lock_files.py).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check
# The lock files' command (their headers repeat it): hashes of every file PyPI has for each pinned version.
PIP_COMPILE := $(PY) -m piptools compile --quiet --generate-hashes --strip-extras --no-emit-index-url \
	--no-emit-find-links --index-url=https://pypi.org/simple

.PHONY: demo test install install-demo lock parity chromium compose-cli nginx promtool bench-serve

install: $(VENV)/.installed-dev node_modules/.installed chromium compose-cli nginx promtool
install-demo: $(VENV)/.installed-runtime node_modules/.installed

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --upgrade pip

# The service and its pinned dependencies; then the project itself, editable and without resolving anything.
$(VENV)/.installed-runtime: requirements/runtime.txt pyproject.toml | $(PY)
	$(PIP_INSTALL) --require-hashes --requirement requirements/runtime.txt
	$(PIP_INSTALL) --no-deps --editable .
	touch $@

$(VENV)/.installed-dev: requirements/dev.txt pyproject.toml | $(PY)
	$(PIP_INSTALL) --require-hashes --requirement requirements/dev.txt
	$(PIP_INSTALL) --no-deps --editable .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# After changing a dependency in pyproject.toml (docs/dependencies.md). Pins already in the files are kept unless
# pyproject.toml excludes them; `make lock LOCK_ARGS=--upgrade` moves every pin to the newest allowed release.
lock: $(VENV)/.installed-dev
	$(PIP_INSTALL) "$$($(PY) -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["lock"])')"
	$(PIP_COMPILE) $(LOCK_ARGS) --output-file=requirements/runtime.txt pyproject.toml
	$(PIP_COMPILE) $(LOCK_ARGS) --extra=test --extra=distributed --constraint=requirements/runtime.txt \
		--output-file=requirements/dev.txt pyproject.toml

# The dashboard's browser test drives Debian's chromium with playwright-core, which never downloads a browser.
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null; } || \
		{ echo "Debian's chromium is needed for the dashboard test: apt-get install chromium (as root)"; exit 1; }

# The end-to-end tests run the web app behind its buffering front, as production does: Debian's nginx.
nginx:
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends nginx-light >/dev/null; } || \
		{ echo "Debian's nginx is needed for the end-to-end tests: apt-get install nginx-light (as root)"; exit 1; }

# The monitoring tests check infra/monitoring/'s Prometheus config and alert rules with promtool, from Debian's
# prometheus package (only the tool is used: the package's service is not started).
promtool:
	@command -v promtool >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends prometheus >/dev/null; } || \
		{ echo "promtool is needed for the monitoring tests: apt-get install prometheus (as root)"; exit 1; }

# The compose file's test validates it with `docker compose config`, or Debian's docker-compose where the
# compose plugin is missing (the client only: no Docker engine is installed or needed for that).
compose-cli:
	@docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends docker-compose >/dev/null; } || \
		{ echo "docker compose (or Debian's docker-compose) is needed to validate infra/docker-compose.yml"; exit 1; }

demo: install-demo
	$(PY) -m devtools.demo

test: install
	$(PY) -m pytest

# Serving under load: the real stack on Azurite driven by Debian's wrk (see docs/benchmarks.md); under 5 minutes.
bench-serve: $(VENV)/.installed-dev node_modules/.installed
	$(PY) bench/serve_load.py

# SAR parity with microsoft/recommenders on MovieLens 100k (a separate venv; see docs/benchmarks.md).
# make parity PARITY_ARGS=--distributed: ours trains on a Dask LocalCluster (docs/scaling.md).
parity:
	bash bench/setup_reference_env.sh
	.bench/reference-venv/bin/python bench/parity.py $(PARITY_ARGS)
