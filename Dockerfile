# Dossier API image: slim, non-root, dependencies from the lock file, same `dossier serve` entry point.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DOSSIER_HOST=0.0.0.0 \
    DOSSIER_PORT=8000 \
    DOSSIER_DATABASE_URL=sqlite:////app/data/dossier.db

WORKDIR /app

# Dependencies first, so that code changes do not invalidate this layer.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY alembic.ini pyproject.toml ./
COPY app ./app
COPY migrations ./migrations
COPY seed ./seed

# The `dossier` command, as the console script would install it, without building a wheel.
RUN printf '#!/bin/sh\nexec python -m app.cli "$@"\n' > /usr/local/bin/dossier \
    && chmod 755 /usr/local/bin/dossier \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin dossier \
    && mkdir -p /app/data \
    && chown dossier /app/data

USER dossier
VOLUME ["/app/data"]
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status != 200)"

ENTRYPOINT ["dossier"]
CMD ["serve"]
