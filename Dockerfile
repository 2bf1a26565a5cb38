# One image for both roles (docs/operations.md):
#   web app (the default command): gunicorn "webapp:create_app()" with /app/gunicorn.conf.py; API on 8000
#   worker: docker run IMAGE python -m webjob
# Both serve the ops port 9100 (/metrics, /health/live, /health/ready; keep it internal).
# PYTHON_IMAGE: a Python 3.11 image with venv (Docker Hub's python:3.11-slim unless a mirror is named).
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python3 -m venv /opt/venv
# The dependencies first, in a layer of their own: rebuilt only when pyproject.toml changes.
COPY pyproject.toml /src/
RUN python3 -c "import tomllib; print('\n'.join(tomllib.load(open('/src/pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && /opt/venv/bin/pip install --requirement /tmp/requirements.txt
# Then the service (.dockerignore keeps tests, benchmarks, docs and dev tools out), and no installer left behind.
COPY . /src
RUN /opt/venv/bin/pip install --no-deps /src \
    && /opt/venv/bin/pip uninstall --yes --quiet pip setuptools

FROM ${PYTHON_IMAGE}
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin recsvc
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY gunicorn.conf.py ./
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    GUNICORN_BIND=0.0.0.0:8000 \
    METRICS_HOST=0.0.0.0 \
    METRICS_PORT=9100
USER 10001:10001
EXPOSE 8000 9100
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-m", "observability.healthcheck", "ready"]
CMD ["gunicorn", "webapp:create_app()"]
