"""Messages of the web area (what the Webex worker itself says): key -> {"en": ..., "cs": ...}."""

MESSAGES: dict[str, dict[str, str]] = {
    "web.already_done": {
        "en": (
            "This request was already carried out ({actions}) before the bot restarted, "
            "so it was not run again. Its result is in the audit log."
        ),
        "cs": (
            "Tento požadavek už byl proveden ({actions}) před restartem bota, "
            "proto se znovu nespustil. Výsledek najdete v auditním záznamu."
        ),
    },
}
