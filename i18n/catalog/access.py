"""Messages of the access area (refusals, the rate limit, the audit trail): key -> {en, cs}."""

MESSAGES: dict[str, dict[str, str]] = {
    "access.space_quiet": {
        "en": "I won't answer here again, so as not to clutter this space.",
        "cs": "Abych tento prostor nezahlcoval, už tu znovu neodpovím.",
    },
    "ratelimit.slow_down": {
        "en": "Slow down a little, please: you sent more than {n} commands in a minute, so I did "
        "not run this one. Try again in {seconds} s.",
        "cs": "Trochu zpomalte, prosím: poslali jste víc než {n} příkazů za minutu, proto jsem "
        "tento nespustil. Zkuste to znovu za {seconds} s.",
    },
    # Refusals name a button by its label, as the person saw it on the card
    "run.forbidden_button": {
        "en": "The button **{button}** needs the {role} role; yours is {yours}.",
        "cs": "Tlačítko **{button}** vyžaduje roli {role}; vaše role je {yours}.",
    },
    # Card actions as people know them: the label of the button that sends each one
    "button.user.retry": {"en": "Retry activation", "cs": "Opakovat aktivaci"},
    "button.user.delete": {"en": "Delete user", "cs": "Odstranit uživatele"},
    "button.user.package": {"en": "Change package type", "cs": "Změnit typ balíčku"},
    "button.user.error": {"en": "Copy error text", "cs": "Kopírovat text chyby"},
    "button.user.resend": {"en": "Re-send invitation", "cs": "Znovu odeslat pozvánku"},
    "button.user.status": {"en": "Show user", "cs": "Zobrazit uživatele"},
    "button.user.state": {"en": "Show state", "cs": "Zobrazit stav"},
    "button.state.explain": {"en": "Explain", "cs": "Vysvětlit"},
    "button.status.list": {"en": "User list", "cs": "Seznam uživatelů"},
    "button.export": {"en": "Export", "cs": "Export"},
    "button.template.check": {"en": "Check template", "cs": "Zkontrolovat šablonu"},
    "button.digest.now": {"en": "Post again now", "cs": "Poslat znovu teď"},
    "button.confirm": {"en": "Confirm", "cs": "Potvrdit"},
    "button.cancel": {"en": "Cancel", "cs": "Zrušit"},
    "audit.not_recorded": {
        "en": "I could not record this request, so I set nothing up. Please try again in a moment.",
        "cs": "Tento požadavek se mi nepodařilo zaznamenat, proto jsem nic nepřipravil. Zkuste to "
        "prosím za chvíli znovu.",
    },
    # The audit command
    "cmd.audit.help": {
        "en": "Who did what, newest first: everyone's, yours (`me`) or a user's, over the last "
        "days (7 unless you say).",
        "cs": "Kdo co udělal, od nejnovějšího: všech, vaše (`me`) nebo uživatele, za poslední "
        "dny (7, pokud neurčíte jinak).",
    },
    "cmd.audit.usage": {
        "en": "audit [user|me] [days]",
        "cs": "audit [uživatel|me] [dny]",
    },
    "audit.bad_days": {
        "en": "The number of days must be between 1 and {max}, not `{value}`.",
        "cs": "Počet dní musí být mezi 1 a {max}, ne `{value}`.",
    },
    "md.audit.title": {
        "en": "**Audit trail** of {span}: {entries}, newest first",
        "cs": "**Auditní záznam** za {span}: {entries}, od nejnovějšího",
    },
    "md.audit.title_who": {
        "en": "**Audit trail** by or about `{who}` over {span}: {entries}, newest first",
        "cs": "**Auditní záznam** od uživatele nebo o uživateli `{who}` za {span}: {entries}, "
        "od nejnovějšího",
    },
    # Czech has three plural forms (1 záznam, 2-4 záznamy, 5+ záznamů); English uses one and many
    "audit.span.one": {"en": "the last day", "cs": "poslední den"},
    "audit.span.few": {"en": "the last {n} days", "cs": "poslední {n} dny"},
    "audit.span.many": {"en": "the last {n} days", "cs": "posledních {n} dní"},
    "audit.entries.one": {"en": "1 entry", "cs": "1 záznam"},
    "audit.entries.few": {"en": "{n} entries", "cs": "{n} záznamy"},
    "audit.entries.many": {"en": "{n} entries", "cs": "{n} záznamů"},
    # What was done, as the person did it
    "audit.what.button": {"en": "button **{label}**", "cs": "tlačítko **{label}**"},
    "audit.what.service": {
        "en": "↳ {label}, carried out by the provider",
        "cs": "↳ {label}, provedl poskytovatel",
    },
    "audit.via.chat": {"en": "chat", "cs": "chat"},
    "audit.via.card": {"en": "card", "cs": "karta"},
    "audit.via.cli": {"en": "command line", "cs": "příkazový řádek"},
    # Why, in words (the machine form, with catalog keys, is in `onboard-bot audit export`)
    "audit.why.pending": {"en": "code {code}", "cs": "kód {code}"},
    "audit.why.needs": {"en": "needs the {role} role", "cs": "vyžaduje roli {role}"},
    "audit.why.ref": {"en": "log reference {ref}", "cs": "odkaz do logu {ref}"},
    "audit.why.already_told": {
        "en": "the space had already been told",
        "cs": "prostor už to věděl",
    },
    "audit.why.no_access": {"en": "no access here", "cs": "zde bez přístupu"},
    "md.audit.none": {
        "en": "Nothing was recorded in that time.",
        "cs": "Za tu dobu nebylo nic zaznamenáno.",
    },
    "md.audit.more": {
        "en": "…and {n} more. Narrow it down: `audit <user> <days>`; everything: "
        "`onboard-bot audit export`.",
        "cs": "…a dalších {n}. Zužte výběr: `audit <uživatel> <dny>`; vše: "
        "`onboard-bot audit export`.",
    },
    "md.audit.target": {"en": "user", "cs": "uživatel"},
    "audit.card.title": {"en": "Audit trail", "cs": "Auditní záznam"},
    "audit.card.summary": {
        "en": "Over {span}: {entries}, newest first",
        "cs": "Za {span}: {entries}, od nejnovějšího",
    },
    "audit.card.who": {"en": "By or about: ", "cs": "Od uživatele nebo o uživateli: "},
    "audit.result.ok": {"en": "done", "cs": "provedeno"},
    "audit.result.pending": {"en": "awaits confirmation", "cs": "čeká na potvrzení"},
    "audit.result.failed": {"en": "failed", "cs": "selhalo"},
    "audit.result.refused": {"en": "refused", "cs": "odmítnuto"},
    "audit.result.throttled": {"en": "slowed down", "cs": "přibrzděno"},
    "audit.result.invalid": {"en": "bad input", "cs": "chybné zadání"},
    "audit.result.not_found": {"en": "not found", "cs": "nenalezeno"},
    "audit.result.unavailable": {"en": "unavailable", "cs": "nedostupné"},
    "audit.result.error": {"en": "error", "cs": "chyba"},
}
