# Strategibot as a container: docker build -t strategibot . && docker run -p 3978:3978 \
#   -v strategibot-data:/data --env-file .env strategibot
# Settings come from the environment (see .env.example and docs/deployment.md); the data file
# strategibot.json lives on the /data volume. Back that volume up.
# With DATABASE_URL=postgresql://… the data is in PostgreSQL instead (psycopg's binary wheel
# brings libpq, so the same image serves both), and several containers may run at once:
# one of them sends the reminders. /data then only holds the Q&A classifier's cache.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml ./
COPY bot ./bot
COPY content ./content
COPY dialogs ./dialogs
COPY scheduler ./scheduler
# tzdata: the time zone database for zoneinfo, whether or not the base image has one.
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir . tzdata

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOST=0.0.0.0 \
    PORT=3978 \
    DATA_DIR=/data \
    CACHE_DIR=/data/cache \
    TIMEZONE=Europe/Copenhagen
RUN groupadd --system --gid 10001 strategibot \
    && useradd --system --uid 10001 --gid strategibot --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin strategibot \
    && mkdir /data \
    && chown strategibot:strategibot /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER 10001:10001
VOLUME ["/data"]
EXPOSE 3978
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3978') + '/healthz', timeout=4)"]
CMD ["python", "-m", "bot"]
