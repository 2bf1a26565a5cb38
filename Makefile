# `make demo` runs the service with a demo model on Azurite; `make test` runs the whole suite.
# Both install what they need first: a virtualenv (.venv) and Azurite from package-lock.json.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test install parity

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: install
	$(PY) -m devtools.demo

test: install
	$(PY) -m pytest

# SAR parity with microsoft/recommenders on MovieLens 100k (a separate venv; see docs/benchmarks.md).
parity:
	bash bench/setup_reference_env.sh
	.bench/reference-venv/bin/python bench/parity.py
