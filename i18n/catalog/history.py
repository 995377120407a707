"""Status history (``history <user>``): the timeline's words.

Status labels come from ``status.<value>`` (Partner Hub's words); counts are written as
"label: n" so that no plural form is needed in Czech.
"""

MESSAGES: dict[str, dict[str, str]] = {
    "cmd.history.help": {
        "en": "A user's status history, newest first: every change with what caused it (the "
        "provider's sync, a command, a card click) and who did what in between.",
        "cs": "Historie stavů uživatele, nejnovější nahoře: každá změna s tím, co ji způsobilo "
        "(synchronizace s poskytovatelem, příkaz, kliknutí na kartě), a kdo mezitím co udělal.",
    },
    "button.user.history": {"en": "Show history", "cs": "Zobrazit historii"},
    "history.md.title": {
        "en": "**History of {name}** (`{user}`), newest first",
        "cs": "**Historie uživatele {name}** (`{user}`), nejnovější nahoře",
    },
    "history.md.now": {
        "en": "Now: {status} · times in error: {failures} · retries: {retries}",
        "cs": "Nyní: {status} · kolikrát v chybě: {failures} · opakování aktivace: {retries}",
    },
    "history.md.change": {
        "en": "- {at} · {before} → **{after}** · {cause}",
        "cs": "- {at} · {before} → **{after}** · {cause}",
    },
    "history.card.title": {"en": "History:", "cs": "Historie:"},
    "history.card.now": {
        "en": "Now: {status} · times in error: {failures} · retries: {retries}",
        "cs": "Nyní: {status} · kolikrát v chybě: {failures} · opakování aktivace: {retries}",
    },
    "history.card.more": {
        "en": "Older entries: see the markdown of this message.",
        "cs": "Starší záznamy: viz text této zprávy.",
    },
    "history.empty": {
        "en": "No status change recorded yet.",
        "cs": "Zatím není zaznamenána žádná změna stavu.",
    },
    "history.truncated": {
        "en": "Only the latest entries are shown.",
        "cs": "Zobrazeny jsou jen nejnovější záznamy.",
    },
    "history.unknown": {"en": "unknown", "cs": "neznámý"},
    "history.cause.sync": {
        "en": "reported by the provider (sync)",
        "cs": "nahlásil poskytovatel (synchronizace)",
    },
    "history.cause.command": {
        "en": "command of {actor}",
        "cs": "příkaz uživatele {actor}",
    },
    "history.cause.card": {
        "en": "card click of {actor}",
        "cs": "kliknutí na kartě, {actor}",
    },
    "history.audit_ref": {"en": "(audit entry #{id})", "cs": "(záznam auditu č. {id})"},
    "history.deed": {"en": "{actor}: {what} — {result}", "cs": "{actor}: {what} — {result}"},
    "history.deed.retry": {
        "en": "Retry activation with {value}",
        "cs": "Opakovat aktivaci s {value}",
    },
    "history.deed.delete": {"en": "Delete user", "cs": "Odstranit uživatele"},
    "history.deed.package": {
        "en": "Change package type to {value}",
        "cs": "Změnit typ balíčku na {value}",
    },
    "history.result.ok": {"en": "done", "cs": "hotovo"},
    "history.result.failed": {"en": "failed", "cs": "nezdařilo se"},
    "history.result.refused": {"en": "refused", "cs": "odmítnuto"},
    "history.result.invalid": {"en": "invalid input", "cs": "neplatný vstup"},
    "history.result.not_found": {"en": "user not found", "cs": "uživatel nenalezen"},
    "history.result.error": {"en": "internal error", "cs": "vnitřní chyba"},
}
