"""Structured logging: one JSON line per record, a correlation id, and no secrets, ever."""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any

# Webex tokens, bearer headers, HMAC signatures and ${...} resolved secrets look like these.
_SECRET_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"(?i)(x-spark-signature['\"]?\s*[:=]\s*['\"]?)[0-9a-f]{16,}"),
    re.compile(
        r"(?i)((?:access_token|refresh_token|client_secret|secret|token)['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]{6,}"
    ),
)
_known_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Never let ``value`` appear in a log line (tokens and webhook secrets from settings)."""
    if value and len(value) >= 6:
        _known_secrets.add(value)


def redact(text: str) -> str:
    """``text`` with every known secret and secret-shaped value replaced by ``***``."""
    for secret in tuple(_known_secrets):  # a copy: another thread may register one meanwhile
        text = text.replace(secret, "***")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + "***", text)
    return text


# Fields a record may carry (``extra=``) that become JSON keys: what operators filter and alert on.
_EXTRAS = (
    "correlation_id",
    "cid",
    "event_key",
    "command",
    "outcome",
    "duration_seconds",
    "configuration",
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, secrets redacted, with the correlation id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        # Redacted before JSON encoding too: a secret holding a quote or a backslash is escaped
        # by json.dumps and would no longer match afterwards.
        data: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key in _EXTRAS:
            value = getattr(record, key, None)
            if value is not None:
                data["correlation_id" if key == "cid" else key] = value
        if record.exc_info:
            data["exception"] = redact(self.formatException(record.exc_info))
        return redact(json.dumps(data, ensure_ascii=False, default=str))


def level_for(*, verbose: int = 0, quiet: int = 0, routine: bool = False) -> int:
    """The log level for ``-v``/``-q`` counts: a routine process (serve) starts at INFO."""
    levels = (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR)
    start = 1 if routine else 2
    return levels[max(0, min(len(levels) - 1, start - verbose + quiet))]


def configure_logging(level: int = logging.INFO) -> None:
    """Send JSON lines to stderr at ``level``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The SDK and HTTP libraries log request headers at debug; keep them quiet.
    for noisy in ("urllib3", "webexpythonsdk", "werkzeug", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
