"""``why <user>``: the four findings and the next action, in English and Czech.

Partner Hub's Czech labels: Opakovat aktivaci, Změnit typ balíčku, Odstranit uživatele; the
template path as ``md.template.where`` words it; Control Hub's states come from ``state.*``.
"""

_PATH_EN = (
    "Partner Hub: Settings → BroadWorks Calling → View Templates → the template of {customer} → "
    "User Authentication"
)
_PATH_CS = (
    "Partner Hub: Nastavení (Settings) → BroadWorks Calling → Zobrazit šablony (View Templates) → "
    "šablona zákazníka {customer} → Ověření uživatele"
)

MESSAGES: dict[str, dict[str, str]] = {
    "cmd.why.help": {
        "en": "Why a user is stuck, in one answer: what the error code means and whether a retry "
        "helps, the customer's template, how often the user failed and what was tried, the "
        "Control Hub state; then the one next action.",
        "cs": "Proč uživatel uvízl, v jedné odpovědi: co znamená kód chyby a zda pomůže opakování, "
        "šablona zákazníka, kolikrát uživatel selhal a co se zkoušelo, stav v Control Hubu; "
        "nakonec jeden další krok.",
    },
    "button.user.why": {"en": "Why?", "cs": "Proč?"},
    "why.md.title": {"en": "**Why: {name}** (`{user}`)", "cs": "**Proč: {name}** (`{user}`)"},
    "why.card.title": {"en": "Why:", "cs": "Proč:"},
    "why.md.typed": {"en": "Or type: `{command}`", "cs": "Nebo napište: `{command}`"},
    "why.section.error": {"en": "Status and error", "cs": "Stav a chyba"},
    "why.section.template": {"en": "Template", "cs": "Šablona"},
    "why.section.history": {"en": "History", "cs": "Historie"},
    "why.section.state": {"en": "Control Hub", "cs": "Control Hub"},
    "why.section.next": {"en": "Next:", "cs": "Další krok:"},
    "why.status": {"en": "Status: {status}", "cs": "Stav: {status}"},
    "why.code": {"en": "Code {code}: {meaning}", "cs": "Kód {code}: {meaning}"},
    "why.code.unknown": {
        "en": "Code {code}: the bot does not know this code.",
        "cs": "Kód {code}: tento kód bot nezná.",
    },
    "why.retry.retry_now": {
        "en": "A retry can help now.",
        "cs": "Opakování aktivace může pomoct hned.",
    },
    "why.retry.retry_later": {
        "en": "A retry can help, a few minutes later.",
        "cs": "Opakování aktivace může pomoct, za pár minut.",
    },
    "why.retry.change_first": {
        "en": "A retry alone does not help: something must change first.",
        "cs": "Samotné opakování aktivace nepomůže: nejdříve je třeba něco změnit.",
    },
    "why.retry.not_needed": {"en": "No retry is needed.", "cs": "Opakování aktivace není třeba."},
    "why.template.ok": {
        "en": "The template of {customer} is set up for self-activation.",
        "cs": "Šablona zákazníka {customer} je nastavená pro samoaktivaci.",
    },
    "why.template.bad": {
        "en": "The template of {customer} stops self-activation:",
        "cs": "Šablona zákazníka {customer} brání samoaktivaci:",
    },
    "why.template.unknown": {
        "en": "The bot cannot read the template of {customer}; check it in " + _PATH_EN + ".",
        "cs": "Šablonu zákazníka {customer} bot neumí přečíst; zkontrolujte ji v " + _PATH_CS + ".",
    },
    "why.history": {
        "en": "Times in error: {failures} · retries tried: {retries}",
        "cs": "Kolikrát v chybě: {failures} · zkoušená opakování aktivace: {retries}",
    },
    "why.history.retry": {
        "en": "{at}: Retry activation with {email} — {result}",
        "cs": "{at}: Opakovat aktivaci s {email} — {result}",
    },
    # The one next action, per move (onboarding.diagnosis.Move)
    "why.next.nothing": {
        "en": "Nothing to do: the user is where they should be.",
        "cs": "Není co dělat: uživatel je tam, kde má být.",
    },
    "why.next.wait": {
        "en": "Wait: the next step is the user's or Webex's, not an admin's.",
        "cs": "Počkejte: další krok je na uživateli nebo na Webexu, ne na správci.",
    },
    "why.next.retry_now": {
        "en": "**Retry activation** now, with {email}.",
        "cs": "**Opakovat aktivaci** hned, s {email}.",
    },
    "why.next.retry_later": {
        "en": "**Retry activation** in a few minutes, with the same email ({email}).",
        "cs": "**Opakovat aktivaci** za pár minut, se stejným e-mailem ({email}).",
    },
    "why.next.retry_other_email": {
        "en": "**Retry activation** with an address only this user has.",
        "cs": "**Opakovat aktivaci** s adresou, kterou má jen tento uživatel.",
    },
    "why.next.release_domain": {
        "en": "Have the other organization release the domain (Control Hub → Domains), or "
        "**Retry activation** with an address on another domain.",
        "cs": "Ať jiná organizace doménu uvolní (Control Hub → Domény), nebo **Opakovat "
        "aktivaci** s adresou v jiné doméně.",
    },
    "why.next.change_package": {
        "en": "**Change package type** to one the template of {customer} enables, then retry.",
        "cs": "**Změnit typ balíčku** na takový, který šablona zákazníka {customer} povoluje, "
        "pak opakujte aktivaci.",
    },
    "why.next.check_template": {
        "en": "Fix the template first, in " + _PATH_EN + ": *Untrusted emails* checked, *Share "
        "link* pointing at the *Activation link*; then retry.",
        "cs": "Nejdříve opravte šablonu v " + _PATH_CS + ": zaškrtnuté *Nedůvěryhodné e-maily*, "
        "*Sdílet odkaz* vedoucí na *odkaz Aktivace*; pak opakujte aktivaci.",
    },
    "why.next.remove_other_mapping": {
        "en": "Find the other user with BroadWorks ID {user_id} and delete the stale one; "
        "another email will not help.",
        "cs": "Najděte druhého uživatele s BroadWorks ID {user_id} a zastaralého odstraňte; "
        "jiný e-mail nepomůže.",
    },
    "why.next.delete_and_reregister": {
        "en": "Retries did not help: **Delete user**, fix what blocks them, and let them "
        "register again.",
        "cs": "Opakování nepomohlo: **Odstranit uživatele**, opravit, co mu brání, a nechat ho "
        "zaregistrovat znovu.",
    },
    "why.next.resend_invitation": {
        "en": "Re-send the invitation: a Not verified user cannot use services until they "
        "verify their email.",
        "cs": "Znovu odešlete pozvánku: uživatel ve stavu Neověřeno nemůže používat služby, "
        "dokud neověří svůj e-mail.",
    },
    "why.next.remind_user": {
        "en": "Remind the user to decide about their previous organization's data before the "
        "deadline.",
        "cs": "Připomeňte uživateli, ať se před termínem rozhodne o datech z předchozí organizace.",
    },
    "why.next.reactivate": {
        "en": "Reactivate the user in Control Hub, if the deactivation was not intended.",
        "cs": "Pokud deaktivace nebyla záměrná, znovu aktivujte uživatele v Control Hubu.",
    },
    "why.next.unknown": {
        "en": "The bot does not know what code {code} needs. Copy the error text into a ticket "
        "for Cisco support.",
        "cs": "Bot neví, co kód {code} vyžaduje. Zkopírujte text chyby do tiketu pro podporu "
        "Cisco.",
    },
}
