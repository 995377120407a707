"""Messages of the web area: key -> {"en": ..., "cs": ...}."""

MESSAGES: dict[str, dict[str, str]] = {}
