# syntax=docker/dockerfile:1
# Build: docker build -t onestop-events .
# Run:   docker run -e SECRET_KEY=... -e DATABASE_URL=postgresql://... -e BASE_URL=https://... -p 8000:8000 onestop-events
# CI replays these steps without Docker (.ci/run, "image steps").

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY events ./events
COPY piccolo_migrations ./piccolo_migrations
RUN /opt/venv/bin/pip install --upgrade pip && /opt/venv/bin/pip install .

FROM python:3.11-slim AS runtime
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin events \
    && mkdir -p /data && chown events:events /data
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    ENVIRONMENT=production \
    DATA_DIR=/data
USER events
WORKDIR /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"]
# SECRET_KEY and DATABASE_URL come from the environment; without SECRET_KEY the service refuses to start.
# Several workers need PostgreSQL; with several containers run `events migrate` once and serve with --no-migrate.
# WEB_CONCURRENCY sets the number of workers.
CMD ["events", "serve", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers"]
