"""Messages of the cards area: key -> {"en": ..., "cs": ...}.

Button titles reuse Partner Hub's labels (``action.*`` in errors.py: Opakovat aktivaci, Odstranit
uživatele, Změnit typ balíčku, Kopírovat text chyby, Export, Vyloučit zřízené uživatele); the keys
here are what only a card needs: navigation, inputs and the short texts around them.
"""

MESSAGES: dict[str, dict[str, str]] = {
    # Lists and navigation
    "card.user": {"en": "User", "cs": "Uživatel"},
    "card.open": {"en": "Open", "cs": "Otevřít"},
    "card.digest.users": {"en": "Users: {n}", "cs": "Uživatelé: {n}"},
    "card.user.choose": {"en": "Choose a user.", "cs": "Vyberte uživatele."},
    "card.state.choose": {"en": "Choose a state.", "cs": "Vyberte stav."},
    "card.customer.choose": {"en": "Choose a customer.", "cs": "Vyberte zákazníka."},
    "card.status.choose": {"en": "Choose a status.", "cs": "Vyberte stav."},
    "card.previous": {"en": "◀ Previous page", "cs": "◀ Předchozí strana"},
    "card.next": {"en": "Next page ▶", "cs": "Další strana ▶"},
    "card.export_typed": {
        "en": "Export this list: `{command}`",
        "cs": "Exportovat tento seznam: `{command}`",
    },
    "card.filter": {"en": "Filter", "cs": "Filtrovat"},
    "card.apply": {"en": "Apply", "cs": "Použít"},
    "card.more_filters": {"en": "More filters", "cs": "Další filtry"},
    "card.search_label": {"en": "Search", "cs": "Hledat"},
    "card.status_any": {"en": "Any status", "cs": "Jakýkoli stav"},
    "card.filter.customer": {"en": "customer {customer}", "cs": "zákazník {customer}"},
    "card.filter.search": {"en": "matching “{text}”", "cs": "hledáno „{text}“"},
    "card.filters_placeholder": {
        "en": "e.g. errors customer acme search novak",
        "cs": "např. errors customer acme search novak",
    },
    "card.exclude": {
        "en": "{toggle}: {state}",
        "cs": "{toggle}: {state}",
    },
    "card.on": {"en": "on", "cs": "zapnuto"},
    "card.off": {"en": "off", "cs": "vypnuto"},
    # One subscriber
    "card.error_text": {"en": "Error text", "cs": "Text chyby"},
    "card.copy_hint": {
        "en": "*Copy error text* posts the text again as a plain message that copies cleanly.",
        "cs": "*Kopírovat text chyby* pošle text znovu jako prostou zprávu, kterou lze čistě "
        "zkopírovat.",
    },
    "card.retry.explain": {
        "en": "Onboard the user again with a valid email address; the user then finishes "
        "the activation.",
        "cs": "Znovu zřídit uživatele s platnou e-mailovou adresou; aktivaci pak uživatel "
        "dokončí sám.",
    },
    "card.email_placeholder": {"en": "name@example.com", "cs": "jmeno@example.cz"},
    "card.email_error": {
        "en": "Enter a valid email address.",
        "cs": "Zadejte platnou e-mailovou adresu.",
    },
    "card.delete.explain": {
        "en": "Delete user removes the user from Webex for BroadWorks. **This cannot be "
        "undone.** The user can then register again, e.g. after you change the configuration. "
        "You will be asked to confirm.",
        "cs": "Odstranit uživatele odebere uživatele z Webex for BroadWorks. **Tuto akci nelze "
        "vrátit.** Uživatel se pak může znovu zaregistrovat, například po změně konfigurace. "
        "Budete požádáni o potvrzení.",
    },
    "card.package.current": {"en": "{package} (current)", "cs": "{package} (aktuální)"},
    "card.package.explain": {
        "en": "Move the user to another package type.",
        "cs": "Přesunout uživatele na jiný typ balíčku.",
    },
    "card.package.choose": {
        "en": "Choose a package type.",
        "cs": "Vyberte typ balíčku.",
    },
    # Confirmations and results
    "card.confirm": {"en": "Confirm", "cs": "Potvrdit"},
    "card.cancel": {"en": "Cancel", "cs": "Zrušit"},
    "card.confirm.until": {
        "en": "The confirmation is valid until {until} and works once.",
        "cs": "Potvrzení platí do {until} a lze ho použít jen jednou.",
    },
    "card.show_user": {"en": "Show user", "cs": "Zobrazit uživatele"},
    "card.show_state": {"en": "Show state", "cs": "Zobrazit stav"},
    # Help
    "card.help.users": {
        "en": "Pending requests and errors",
        "cs": "Nevyřízené požadavky a chyby",
    },
    "card.help.run": {"en": "Run: {command}", "cs": "Spustit: {command}"},
    # Templates
    "card.template.setting_untrusted": {
        "en": "Untrusted emails",
        "cs": "Nedůvěryhodné e-maily",
    },
    "card.template.setting_share": {
        "en": "Share link → Activation link",
        "cs": "Sdílet odkaz → odkaz Aktivace",
    },
    "card.template.fix_untrusted": {
        "en": "Change: check *Untrusted emails*.",
        "cs": "Změna: zaškrtněte *Nedůvěryhodné e-maily*.",
    },
    "card.template.fix_share": {
        "en": "Change: set *Share link* to the *Activation link*.",
        "cs": "Změna: nastavte *Sdílet odkaz* na *odkaz Aktivace*.",
    },
    "card.template.users": {
        "en": "Users of this customer",
        "cs": "Uživatelé zákazníka",
    },
    "card.templates.check": {"en": "Check template", "cs": "Zkontrolovat šablonu"},
    "card.customer": {"en": "Customer", "cs": "Zákazník"},
    # Control Hub states
    "card.state": {"en": "State", "cs": "Stav"},
    "card.explain": {"en": "Explain", "cs": "Vysvětlit"},
    "card.state.deadline": {"en": "Deadline", "cs": "Lhůta"},
    "card.stuck.resend_all": {
        "en": "Re-send to every Not verified user",
        "cs": "Znovu odeslat všem ve stavu Neověřeno",
    },
    # Export
    "card.export.file": {
        "en": "The CSV file follows in a message of its own.",
        "cs": "Soubor CSV následuje v samostatné zprávě.",
    },
    "card.export.show": {"en": "Show these users", "cs": "Zobrazit tyto uživatele"},
    # Errors
    "card.try": {"en": "Try: {command}", "cs": "Zkusit: {command}"},
}
