"""Messages of the commands area: key -> {"en": ..., "cs": ...}."""

MESSAGES: dict[str, dict[str, str]] = {}
