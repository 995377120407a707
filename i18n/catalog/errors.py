"""Messages for domain errors and domain vocabulary (statuses, packages, states)."""

MESSAGES: dict[str, dict[str, str]] = {
    # Generic domain errors
    "error.generic": {
        "en": "Something went wrong.",
        "cs": "Něco se pokazilo.",
    },
    "error.invalid_input": {
        "en": "That input is not valid: {detail}",
        "cs": "Tento vstup není platný: {detail}",
    },
    "error.not_found": {
        "en": "No user matches `{ref}`.",
        "cs": "Žádný uživatel neodpovídá `{ref}`.",
    },
    "error.refused": {
        "en": "Not done: {detail}",
        "cs": "Neprovedeno: {detail}",
    },
    "error.provider_unavailable": {
        "en": "The onboarding service is not answering right now ({detail}). Try again later.",
        "cs": "Služba zřizování teď neodpovídá ({detail}). Zkuste to později.",
    },
    "error.provider_permission": {
        "en": "The admin token was refused ({detail}). It needs the scope `{scope}`.",
        "cs": "Token správce byl odmítnut ({detail}). Potřebuje oprávnění `{scope}`.",
    },
    "error.internal": {
        "en": "Sorry, something went wrong on my side (reference `{ref}`). It has been logged.",
        "cs": "Omlouvám se, něco se pokazilo na mé straně (reference `{ref}`). Je to zaznamenáno.",
    },
    # Statuses as Partner Hub groups them
    "group.provisioned": {"en": "provisioned", "cs": "zřízen"},
    "group.pending": {"en": "pending request", "cs": "nevyřízený požadavek"},
    "group.error": {"en": "error", "cs": "chyba"},
    # Exact API statuses
    "status.pending_email_input": {
        "en": "waiting for the user's email",
        "cs": "čeká na e-mail uživatele",
    },
    "status.pending_email_validation": {
        "en": "waiting for email validation",
        "cs": "čeká na ověření e-mailu",
    },
    "status.pending_user_migration": {
        "en": "waiting for the user's consent to move",
        "cs": "čeká na souhlas uživatele s přesunem",
    },
    "status.provisioning": {"en": "provisioning", "cs": "zřizuje se"},
    "status.provisioned": {"en": "provisioned", "cs": "zřízen"},
    "status.updating": {"en": "updating", "cs": "aktualizuje se"},
    "status.error": {"en": "error", "cs": "chyba"},
    # Packages (product names stay as they are)
    "package.softphone": {"en": "Softphone", "cs": "Softphone"},
    "package.basic": {"en": "Basic", "cs": "Basic"},
    "package.standard": {"en": "Standard", "cs": "Standard"},
    "package.premium": {"en": "Premium", "cs": "Premium"},
    # Control Hub states, as Control Hub labels them
    "state.active": {"en": "Active", "cs": "Aktivní"},
    "state.verified": {"en": "Verified", "cs": "Ověřeno"},
    "state.not_verified": {"en": "Not verified", "cs": "Neověřeno"},
    "state.inactive": {"en": "Inactive", "cs": "Neaktivní"},
    "state.delayed_claim": {"en": "Delayed claim", "cs": "Odložený nárok"},
    # Partner Hub action labels
    "action.retry": {"en": "Retry activation", "cs": "Opakovat aktivaci"},
    "action.delete": {"en": "Delete user", "cs": "Odstranit uživatele"},
    "action.package": {"en": "Change package type", "cs": "Změnit typ balíčku"},
    "action.copy_error": {"en": "Copy error text", "cs": "Kopírovat text chyby"},
    "action.export": {"en": "Export", "cs": "Export"},
    "action.exclude_provisioned": {
        "en": "Exclude provisioned users",
        "cs": "Vyloučit zřízené uživatele",
    },
    "action.onboard": {"en": "Onboard", "cs": "Onboard"},
}
