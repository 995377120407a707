"""Messages for domain errors and domain vocabulary (statuses, packages, states).

The meaning and tip of each error code come from ``onboarding/error_codes.toml``, the one file of
error-code knowledge (``onboarding.error_knowledge`` reads its facts); they are added here under
``errcode.<code>.meaning`` / ``errcode.<code>.tip`` so that every text is in the catalog.
"""

import tomllib
from importlib import resources


def _error_code_messages() -> dict[str, dict[str, str]]:
    text = resources.files("onboarding").joinpath("error_codes.toml").read_text(encoding="utf-8")
    messages: dict[str, dict[str, str]] = {}
    for entry in tomllib.loads(text).get("code", []):
        for name in ("meaning", "tip"):
            messages[f"errcode.{entry['code']}.{name}"] = {
                locale: str(words) for locale, words in dict(entry.get(name) or {}).items()
            }
    return messages


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
    "action.onboard": {"en": "Onboard", "cs": "Připojit"},
    # Email validation: say which part of the address is wrong
    "email.empty": {
        "en": "An email address is needed.",
        "cs": "Je potřeba e-mailová adresa.",
    },
    "email.missing_at": {
        "en": "`{email}` is not an email address: it has no @ sign.",
        "cs": "`{email}` není e-mailová adresa: chybí znak @.",
    },
    "email.many_at": {
        "en": "`{email}` has more than one @ sign.",
        "cs": "`{email}` obsahuje více než jeden znak @.",
    },
    "email.no_local": {
        "en": "`{email}` has nothing before the @ sign (the mailbox name is missing).",
        "cs": "`{email}` nemá nic před znakem @ (chybí název schránky).",
    },
    "email.no_domain": {
        "en": "`{email}` has nothing after the @ sign (the domain is missing).",
        "cs": "`{email}` nemá nic za znakem @ (chybí doména).",
    },
    "email.bad_local": {
        "en": "The part of `{email}` before the @ sign is not valid: {detail}",
        "cs": "Část adresy `{email}` před znakem @ není platná: {detail}",
    },
    "email.bad_domain": {
        "en": "The domain of `{email}` (after the @ sign) is not valid: {detail}",
        "cs": "Doména adresy `{email}` (za znakem @) není platná: {detail}",
    },
    "email.bad_address": {
        "en": "`{email}` is not a valid email address: {detail}",
        "cs": "`{email}` není platná e-mailová adresa: {detail}",
    },
    # Finding users and customers
    "user.ref_missing": {
        "en": "Which user? Give an email, a BroadWorks user ID or a subscriber id.",
        "cs": "Který uživatel? Zadejte e-mail, ID uživatele BroadWorks nebo ID účastníka.",
    },
    "customer.not_found": {
        "en": "No customer `{ref}`. Known customers: {known}.",
        "cs": "Zákazník `{ref}` neexistuje. Známí zákazníci: {known}.",
    },
    # Refusals
    "export.too_big": {
        "en": "The export of {rows} users is {size} MB even zipped, over the 100 MB Webex "
        "accepts for one file; narrow the filters (e.g. `export errors` or "
        "`export customer <customer>`).",
        "cs": "Export {rows} uživatelů má i po kompresi {size} MB, víc než 100 MB, které Webex "
        "přijme v jednom souboru; zužte filtry (např. `export errors` nebo "
        "`export customer <zákazník>`).",
    },
    "retry.already_provisioned": {
        "en": "`{user}` is already provisioned; there is nothing to retry.",
        "cs": "`{user}` je již zřízen; není co opakovat.",
    },
    "user.in_flight": {
        "en": "`{user}` is {status} right now; wait until Webex has finished, then try again.",
        "cs": "U `{user}` právě probíhá změna ({status}); počkejte, až ji Webex dokončí, a pak "
        "to zkuste znovu.",
    },
    "retry.email_in_use.subscriber": {
        "en": "{email} already belongs to {holder} (BroadWorks ID `{holder_id}`, customer "
        "`{customer}`, status `{status}`). Retrying {target} with it would give one email to "
        "two users, so nothing was changed: use an address only {target} has, or free this one "
        "first.",
        "cs": "{email} už patří uživateli {holder} (BroadWorks ID `{holder_id}`, zákazník "
        "`{customer}`, stav `{status}`). Opakovat aktivaci pro {target} s touto adresou by "
        "dalo jeden e-mail dvěma uživatelům, proto se nic nezměnilo: použijte adresu, kterou "
        "má jen {target}, nebo tuto nejdříve uvolněte.",
    },
    "retry.email_in_use.claimed": {
        "en": "Another retry is giving {email} to {holder} (BroadWorks ID `{holder_id}`) right "
        "now. Retrying {target} with it too would give one email to two users, so nothing was "
        "changed: wait a moment, then see `status {holder_id}`.",
        "cs": "Jiné opakování aktivace právě dává {email} uživateli {holder} (BroadWorks ID "
        "`{holder_id}`). Opakovat aktivaci i pro {target} s touto adresou by dalo jeden e-mail "
        "dvěma uživatelům, proto se nic nezměnilo: chvíli počkejte a pak se podívejte na "
        "`status {holder_id}`.",
    },
    "retry.email_in_use.org_user": {
        "en": "{email} already belongs to the Control Hub user {holder} (state `{state}`). "
        "Retrying {target} with it would give one email to two users, so nothing was changed: "
        "use an address only {target} has.",
        "cs": "{email} už patří uživateli {holder} v Control Hubu (stav `{state}`). Opakovat "
        "aktivaci pro {target} s touto adresou by dalo jeden e-mail dvěma uživatelům, proto se "
        "nic nezměnilo: použijte adresu, kterou má jen {target}.",
    },
    "package.same": {
        "en": "`{user}` already has the {package} package.",
        "cs": "`{user}` už má balíček {package}.",
    },
    "package.unknown": {
        "en": "`{package}` is not a package. Valid packages: {valid}.",
        "cs": "`{package}` není typ balíčku. Platné balíčky: {valid}.",
    },
    "resend.not_unverified": {
        "en": "Invitations are re-sent only to Not verified users; these are not: {users}.",
        "cs": "Pozvánky se znovu posílají jen uživatelům ve stavu Neověřeno; tito v něm nejsou: "
        "{users}.",
    },
    # Advice, only where a source supports it (error-codes.md §4)
    "advice.check_template": {
        "en": "Check the customer's template first: *Untrusted emails* checked and *Share link* "
        "pointing at the *Activation link* (`template check {customer}`).",
        "cs": "Nejdříve zkontrolujte šablonu zákazníka: zaškrtnuté *Nedůvěryhodné e-maily* a pole "
        "*Sdílet odkaz* vedoucí na *odkaz Aktivace* (`template check {customer}`).",
    },
    "advice.retry_or_delete": {
        "en": "Then retry activation with a valid email, or delete the user, change the "
        "configuration and let them onboard again.",
        "cs": "Potom opakujte aktivaci s platnou e-mailovou adresou, nebo uživatele odstraňte, "
        "změňte konfiguraci a nechte ho zaregistrovat znovu.",
    },
    "advice.template_first": {
        "en": "This error concerns the customer's template: fix the template first, then retry "
        "(`template check {customer}` shows what the bot knows of it).",
        "cs": "Tato chyba se týká šablony zákazníka: nejdříve opravte šablonu, pak opakujte "
        "aktivaci (`template check {customer}` ukáže, co o ní bot ví).",
    },
    "advice.code_unknown": {
        "en": "No advice is known for error code {code}; the error text from Webex is all the "
        "bot has.",
        "cs": "Pro kód chyby {code} není známá žádná rada; bot má jen text chyby od Webexu.",
    },
    "advice.waiting_for_email": {
        "en": "Provisioning is paused until the user enters an email address in the activation "
        "portal; you can also retry activation with a valid email.",
        "cs": "Zřizování čeká, až uživatel zadá e-mailovou adresu na portálu pro aktivaci "
        "uživatelů; můžete také opakovat aktivaci s platnou e-mailovou adresou.",
    },
    "advice.waiting_for_validation": {
        "en": "The user entered an email but has not completed its validation yet.",
        "cs": "Uživatel zadal e-mail, ale ještě nedokončil jeho ověření.",
    },
    "advice.consent_move": {
        "en": "The email belongs to another Webex account; the user must accept the consent "
        "email to move it (retry activation sends it again), or use another address.",
        "cs": "E-mail patří jinému účtu Webex; uživatel musí potvrdit e-mail se souhlasem s "
        "přesunem (opakování aktivace ho pošle znovu), nebo použít jinou adresu.",
    },
    "advice.in_progress": {
        "en": "Webex is still working on this user; provisioning runs in the background and "
        "can take several minutes.",
        "cs": "Webex na tomto uživateli stále pracuje; zřizování běží na pozadí a může trvat "
        "několik minut.",
    },
    # Access refusals (before any command runs)
    "access.unknown_person": {
        "en": "Sorry, you are not on this bot's list of admins, support staff or viewers. "
        "Ask an administrator of the bot to add you.",
        "cs": "Omlouvám se, nejste na seznamu správců, podpory ani čtenářů tohoto bota. "
        "Požádejte správce bota, aby vás přidal.",
    },
    "access.other_org": {
        "en": "Sorry, this bot serves only people of its own Webex organization.",
        "cs": "Omlouvám se, tento bot slouží jen lidem z vlastní organizace Webex.",
    },
    "access.space_not_allowed": {
        "en": "Sorry, this bot is not enabled for this space. Ask an administrator of the bot "
        "to allow it.",
        "cs": "Omlouvám se, tento bot není v tomto prostoru povolen. Požádejte správce bota, "
        "aby ho povolil.",
    },
}
MESSAGES.update(_error_code_messages())
