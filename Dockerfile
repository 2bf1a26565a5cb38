# One image for both roles (docs/operations.md):
#   web app (the default command): gunicorn "webapp:create_app()" with /app/gunicorn.conf.py; API on 8000
#   worker: docker run IMAGE python -m webjob
# Both serve the ops port 9100 (/metrics, /health/live, /health/ready; keep it internal).
# PYTHON_IMAGE: a Python 3.11 image with venv: Docker Hub's python:3.11 slim image pinned by digest, so a
# rebuild gets the same base (docs/dependencies.md says where the digest comes from and how to move it), or a mirror.
ARG PYTHON_IMAGE=python:3.11.10-slim-bookworm@sha256:5148c0e4bbb64271bca1d3322360ebf4bfb7564507ae32dd639322e4952a6b16

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python3 -m venv /opt/venv
# The dependencies first, in a layer of their own: exactly the lock file's versions, each file checked against its
# hash (requirements/runtime.txt, made by `make lock`); rebuilt only when the lock changes.
COPY requirements/runtime.txt /src/requirements/
RUN /opt/venv/bin/pip install --require-hashes --requirement /src/requirements/runtime.txt
# Then the service (.dockerignore keeps tests, benchmarks, docs and dev tools out), and no installer left behind.
COPY . /src
RUN /opt/venv/bin/pip install --no-deps /src \
    && /opt/venv/bin/pip uninstall --yes --quiet pip setuptools

FROM ${PYTHON_IMAGE}
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
# OCI annotations (https://github.com/opencontainers/image-spec/blob/main/annotations.md); REVISION and CREATED
# come from the build: docker build --build-arg REVISION=$(git rev-parse HEAD) --build-arg CREATED=$(date -uIs)
LABEL org.opencontainers.image.title="product-recommendations" \
      org.opencontainers.image.description="Self-hosted product recommendation service (SAR): web app and worker" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.base.name="${PYTHON_IMAGE}"
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
