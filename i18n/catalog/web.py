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
    "web.reply_expired": {
        "en": "I could not answer your `{command}` at {time} because Webex was unavailable.",
        "cs": (
            "Na váš příkaz `{command}` z {time} jsem nemohl odpovědět, "
            "protože Webex nebyl dostupný."
        ),
    },
    "web.message_expired": {
        "en": "I could not deliver a message due at {time} because Webex was unavailable.",
        "cs": "Zprávu z {time} jsem nemohl doručit, protože Webex nebyl dostupný.",
    },
    "web.event_expired": {
        "en": (
            "I could not read the message sent here at {time} because Webex was unavailable. "
            "Please send it again."
        ),
        "cs": (
            "Zprávu odeslanou sem v {time} jsem nemohl přečíst, protože Webex nebyl dostupný. "
            "Pošlete ji prosím znovu."
        ),
    },
    "web.access_problem": {
        "en": (
            "I could not read the message sent here at {time}: Webex refused me access. "
            "The bot's operator has been told; please try again later."
        ),
        "cs": (
            "Zprávu odeslanou sem v {time} jsem nemohl přečíst: Webex mi odepřel přístup. "
            "Provozovatel bota o tom ví; zkuste to prosím později."
        ),
    },
}
