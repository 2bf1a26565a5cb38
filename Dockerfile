# One image for both roles. Web app: the default command. Worker: `docker run IMAGE python -m webjob`.
# (Multi-stage build, metrics and compose come with the deployment work; this is the minimal image.)
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md gunicorn.conf.py ./
COPY recommender recommender
COPY registry registry
COPY model_provider model_provider
COPY webapp webapp
COPY webjob webjob
COPY common common
COPY devtools devtools
RUN pip install --no-cache-dir . && useradd --create-home --uid 10001 app
USER app
ENV GUNICORN_BIND=0.0.0.0:8000
EXPOSE 8000
CMD ["gunicorn", "webapp:create_app()"]
