"""Messages the bot sends on its own about its operation: key -> {"en": ..., "cs": ...}."""

MESSAGES: dict[str, dict[str, str]] = {}
# The refresh-token warning takes a count of days: it is in i18n/catalog/counts.py.
