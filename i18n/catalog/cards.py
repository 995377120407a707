"""Messages of the cards area: key -> {"en": ..., "cs": ...}."""

MESSAGES: dict[str, dict[str, str]] = {}
