"""Messages explaining Control Hub states and how users enter them."""

MESSAGES: dict[str, dict[str, str]] = {}
