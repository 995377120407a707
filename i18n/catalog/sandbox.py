"""Messages of the sandbox provider: the steps its actions report and why it refuses one.

Czech uses Partner Hub's and Control Hub's own words (zřízen, typ balíčku, Neověřeno).
"""

MESSAGES: dict[str, dict[str, str]] = {
    # Retry activation
    "sandbox.retry.email_set": {
        "en": "Email of {name} set to {email}.",
        "cs": "E-mail uživatele {name} nastaven na {email}.",
    },
    "sandbox.retry.validating": {
        "en": "Activation restarted: Webex now waits for {name} to confirm {email}, then "
        "provisions the user in the background. This takes a few minutes.",
        "cs": "Aktivace znovu spuštěna: Webex teď čeká, až {name} potvrdí adresu {email}, a pak "
        "uživatele na pozadí zřídí. Potrvá to několik minut.",
    },
    # Change package type
    "sandbox.package.changed": {
        "en": "Package type of {name} changed from {old} to {new}.",
        "cs": "Typ balíčku uživatele {name} změněn z {old} na {new}.",
    },
    "sandbox.package.updating": {
        "en": "Webex is updating the user; the change is complete when the status is "
        "provisioned again.",
        "cs": "Webex uživatele aktualizuje; změna je hotová, až bude stav opět „zřízen“.",
    },
    "sandbox.package.applies_on_activation": {
        "en": "The user is not provisioned yet; the new package applies once they are.",
        "cs": "Uživatel ještě není zřízen; nový balíček bude platit od jeho zřízení.",
    },
    # Delete user
    "sandbox.delete.done": {
        "en": "{name} ({user_id}) was removed.",
        "cs": "Uživatel {name} ({user_id}) byl odstraněn.",
    },
    "sandbox.delete.can_onboard_again": {
        "en": "The user can now onboard again.",
        "cs": "Uživatel se teď může znovu zaregistrovat.",
    },
    # Resend invitations (Control Hub)
    "sandbox.invitation.sent": {
        "en": "Invitation email sent again to {email}.",
        "cs": "Pozvánka byla znovu odeslána na {email}.",
    },
    "sandbox.invitation.skipped": {
        "en": "Not sent to {email}: the user is no longer Not verified.",
        "cs": "Na {email} neodesláno: uživatel už není ve stavu Neověřeno.",
    },
    "sandbox.invitation.none": {
        "en": "Nobody to remind: no user is Not verified.",
        "cs": "Není koho upomenout: žádný uživatel není ve stavu Neověřeno.",
    },
    # Refusals (the state changed between the bot's check and the action)
    "sandbox.refused.provisioned": {
        "en": "{user} is already provisioned; there is nothing to retry.",
        "cs": "Uživatel {user} je už zřízen; není co opakovat.",
    },
    "sandbox.refused.in_flight": {
        "en": "Webex is still working on {user}; try again when the current change has finished.",
        "cs": "Webex na uživateli {user} ještě pracuje; zkuste to znovu, až aktuální změna skončí.",
    },
    "sandbox.refused.same_package": {
        "en": "{user} already has the package {package}.",
        "cs": "Uživatel {user} už má balíček {package}.",
    },
    "sandbox.invalid_email": {
        "en": "`{email}` is not an email address.",
        "cs": "`{email}` není e-mailová adresa.",
    },
}
