"""Messages of the digests area: key -> {"en": ..., "cs": ...}."""

MESSAGES: dict[str, dict[str, str]] = {}
