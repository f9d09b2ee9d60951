# syntax=docker/dockerfile:1
# Rosee Support image: `docker build -t rosee-support .`
#   docker run --init -v rosee-data:/app/data --env-file .env rosee-support          # the bot (`run`)
#   docker run --rm -it -v rosee-data:/app/data rosee-support chat                    # any subcommand
# Settings come from the environment (see .env.example). Data (the SQLite file by default) lives in the
# /app/data volume. HEALTHCHECK runs `rosee-support healthcheck`: the database answers and, in webhook
# mode (WEBHOOK_URL set), GET /healthz on WEBHOOK_LISTEN answers 200.

ARG PYTHON_IMAGE=python:3.11-slim

# ---- build: the project's own wheel (its dependencies come from the lock, below) --------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY intents ./intents
COPY knowledge ./knowledge
RUN pip wheel --no-deps --wheel-dir /wheels .

# ---- runtime: the locked dependencies (hash-checked), the project wheel, a non-root user -------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN groupadd --system --gid 10001 rosee \
 && useradd --system --uid 10001 --gid rosee --home-dir /app --shell /usr/sbin/nologin rosee \
 && mkdir -p /app/data \
 && chown -R rosee:rosee /app
# requirements.lock pins every dependency with its sha256 (scripts/lock.sh): the versions the tests ran
# with (requirements-dev.lock holds the same pins), and pip refuses a file whose hash differs.
COPY requirements.lock /tmp/requirements.lock
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --require-hashes -r /tmp/requirements.lock \
 && pip install --no-deps --no-index /wheels/rosee_support-*.whl \
 && pip check \
 && rm /tmp/requirements.lock \
 && rosee-support --version

USER rosee
WORKDIR /app
# The default DATABASE_URL (sqlite+aiosqlite:///./data/rosee.db) resolves to /app/data/rosee.db.
VOLUME ["/app/data"]
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=10s --start-period=40s --retries=3 \
    CMD ["rosee-support", "healthcheck"]

ENTRYPOINT ["rosee-support"]
CMD ["run"]
