# onboard-bot: the wheel on a slim Python, run as an unprivileged user.
# Build: docker build -t onboard-bot .    Run: see compose.yaml and README "Deployment".

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY commands ./commands
COPY onboarding ./onboarding
COPY storage ./storage
COPY i18n ./i18n
RUN python -m pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ONBOARD_HOST=0.0.0.0 \
    ONBOARD_PORT=8080 \
    ONBOARD_FILES_DIR=/var/lib/onboard-bot/files
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /var/lib/onboard-bot onboard
# Exact versions from the lock file first, then the wheel alone: the image is what CI tested.
COPY requirements.lock /tmp/requirements.lock
COPY --from=build /wheels /tmp/wheels
RUN python -m pip install --no-cache-dir -r /tmp/requirements.lock \
    && python -m pip install --no-cache-dir --no-deps /tmp/wheels/*.whl \
    && rm -rf /tmp/wheels /tmp/requirements.lock
USER onboard
WORKDIR /var/lib/onboard-bot
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('ONBOARD_PORT', '8080'), timeout=4)"]
# The database is migrated at start, under a lock, so replicas may start together.
CMD ["onboard-bot", "serve"]
