"""Messages of the Webex provider: API faults, the steps of its actions, template and state notes.

Partner Hub labels in Czech are the ones of the Czech help article (seeds/000): Nastavení, Volání
BroadWorks, Zobrazit šablony, Ověření uživatele, Nedůvěryhodné e-maily, Sdílet odkaz,
odkaz Aktivace.
"""

MESSAGES: dict[str, dict[str, str]] = {
    # --- API faults (ProviderUnavailable / ProviderPermission) ------------------------------
    # --- Control Hub sync failures (only the Control Hub commands show them) -------------------
    "webex.controlhub.permission": {
        "en": "Control Hub users could not be read: Webex refused the admin token for `{call}` "
        "(HTTP {status}: {detail}). Give the token the scope `{scope}` and a full or read-only "
        "administrator role in the Control Hub organization. Failed {in_a_row} time(s) in a "
        "row; last complete read: {last_ok}. Subscriber commands are not affected.",
        "cs": "Uživatele Control Hubu se nepodařilo načíst: Webex odmítl token správce pro "
        "`{call}` (HTTP {status}: {detail}). Dejte tokenu oprávnění `{scope}` a roli plného "
        "nebo jen pro čtení oprávněného správce v organizaci Control Hubu. Selhalo "
        "{in_a_row}× za sebou; poslední úplné načtení: {last_ok}. Příkazů k předplatitelům se "
        "to netýká.",
    },
    "webex.controlhub.not_found": {
        "en": "Control Hub users could not be read: `{call}` answered 404 ({detail}). A token "
        "of another organization, or one without People access, gets this answer: use the "
        "admin token of the Control Hub organization (check `webex.org_id` in app.yaml) with "
        "the scope `{scope}`. Failed {in_a_row} time(s) in a row; last complete read: "
        "{last_ok}. Subscriber commands are not affected.",
        "cs": "Uživatele Control Hubu se nepodařilo načíst: `{call}` odpověděl 404 ({detail}). "
        "Tak odpovídá token jiné organizace nebo token bez přístupu k People: použijte token "
        "správce organizace Control Hubu (zkontrolujte `webex.org_id` v app.yaml) s "
        "oprávněním `{scope}`. Selhalo {in_a_row}× za sebou; poslední úplné načtení: "
        "{last_ok}. Příkazů k předplatitelům se to netýká.",
    },
    "webex.controlhub.refused": {
        "en": "Control Hub users could not be read: Webex refused `{call}` (HTTP {status}: "
        "{detail}). Check the organization the bot reads (`webex.org_id` in app.yaml) and the "
        "token's administrator role. Failed {in_a_row} time(s) in a row; last complete read: "
        "{last_ok}. Subscriber commands are not affected.",
        "cs": "Uživatele Control Hubu se nepodařilo načíst: Webex odmítl `{call}` (HTTP "
        "{status}: {detail}). Zkontrolujte organizaci, kterou bot čte (`webex.org_id` v "
        "app.yaml), a roli správce u tokenu. Selhalo {in_a_row}× za sebou; poslední úplné "
        "načtení: {last_ok}. Příkazů k předplatitelům se to netýká.",
    },
    "webex.controlhub.unavailable": {
        "en": "Control Hub users could not be read: Webex did not answer `{call}` properly "
        "({detail}). That is on Webex's side: try again in a few minutes. Failed {in_a_row} "
        "time(s) in a row; last complete read: {last_ok}. Subscriber commands are not affected.",
        "cs": "Uživatele Control Hubu se nepodařilo načíst: Webex na `{call}` správně "
        "neodpověděl ({detail}). Chyba je na straně Webexu: zkuste to znovu za pár minut. "
        "Selhalo {in_a_row}× za sebou; poslední úplné načtení: {last_ok}. Příkazů k "
        "předplatitelům se to netýká.",
    },
    "webex.controlhub.malformed": {
        "en": "Control Hub users could not be read: `{call}` answered with something the bot "
        "cannot read ({detail}), so the stored users were left as they were. Try again in a "
        "few minutes; if it keeps failing, report it to Webex with the time. Failed {in_a_row} "
        "time(s) in a row; last complete read: {last_ok}. Subscriber commands are not affected.",
        "cs": "Uživatele Control Hubu se nepodařilo načíst: `{call}` odpověděl něčím, čemu bot "
        "nerozumí ({detail}), proto uložení uživatelé zůstali beze změny. Zkuste to znovu za "
        "pár minut; pokud to selhává dál, nahlaste to Webexu i s časem. Selhalo {in_a_row}× za "
        "sebou; poslední úplné načtení: {last_ok}. Příkazů k předplatitelům se to netýká.",
    },
    "webex.error.permission": {
        "en": "Webex refused the admin token (HTTP {status}: {detail}). The token needs the scope "
        "`{scope}` and an administrator role that allows it.",
        "cs": "Webex odmítl token správce (HTTP {status}: {detail}). Token potřebuje oprávnění "
        "`{scope}` a roli správce, která ho dovoluje.",
    },
    "webex.error.rate_limited": {
        "en": "Webex is rate-limiting the bot ({detail}); it asked for {seconds} s more after "
        "{waited} s of waiting. Try again in a minute.",
        "cs": "Webex bota omezuje kvůli počtu požadavků ({detail}); po {waited} s čekání žádá "
        "ještě {seconds} s. Zkuste to znovu za minutu.",
    },
    "webex.error.unavailable": {
        "en": "Webex is not answering properly ({detail}, {attempts} attempts). Try again later.",
        "cs": "Webex neodpovídá správně ({detail}, pokusů: {attempts}). Zkuste to později.",
    },
    "webex.error.unreachable": {
        "en": "Webex could not be reached ({detail}, {attempts} attempts). Try again later.",
        "cs": "Webex není dostupný ({detail}, pokusů: {attempts}). Zkuste to později.",
    },
    "webex.error.ambiguous": {
        "en": "Webex did not confirm the request ({detail}); it may or may not have been done.",
        "cs": "Webex požadavek nepotvrdil ({detail}); mohl, ale nemusel být proveden.",
    },
    "webex.error.foreign_link": {
        "en": "Webex sent a page link to another host ({detail}); the bot did not follow it.",
        "cs": "Webex poslal odkaz na další stránku na jiný server ({detail}); bot ho nenásledoval.",
    },
    "webex.error.oauth_unreachable": {
        "en": "The bot could not renew its Webex access token ({detail}). Try again later.",
        "cs": "Bot nemohl obnovit svůj přístupový token Webexu ({detail}). Zkuste to později.",
    },
    "webex.error.oauth_refused": {
        "en": "Webex refused to renew the access token (HTTP {status}: {detail}). Check the "
        "integration's client ID, secret and refresh token, or authorize it again.",
        "cs": "Webex odmítl obnovit přístupový token (HTTP {status}: {detail}). Zkontrolujte ID "
        "klienta, tajný klíč a obnovovací token integrace, nebo ji autorizujte znovu.",
    },
    "webex.error.no_org": {
        "en": "The bot could not tell which Control Hub organization to read ({detail}).",
        "cs": "Bot nezjistil, kterou organizaci v Control Hubu má číst ({detail}).",
    },
    # --- retry activation --------------------------------------------------------------------
    "webex.retry.consent_sent": {
        "en": "Sent the consent email again to {email}: the user must accept moving their "
        "existing Webex account, then provisioning continues.",
        "cs": "Souhlasný e-mail byl znovu odeslán na {email}: uživatel musí potvrdit přesun svého "
        "stávajícího účtu Webex, pak zřizování pokračuje.",
    },
    "webex.retry.consent_failed": {
        "en": "Webex did not send the consent email (HTTP {status}, code {code}): {description}",
        "cs": "Webex souhlasný e-mail neodeslal (HTTP {status}, kód {code}): {description}",
    },
    "webex.retry.status_moved": {
        "en": "Nothing done: in Webex, {user_id} is now `{status}`; the list was out of date.",
        "cs": "Nic neprovedeno: ve Webexu je {user_id} nyní `{status}`; seznam byl zastaralý.",
    },
    "webex.retry.details_read": {
        "en": "Read the full record of {user_id} from Webex.",
        "cs": "Načten úplný záznam {user_id} z Webexu.",
    },
    "webex.retry.resuming": {
        "en": "Continuing the unfinished retry saved at {saved_at}.",
        "cs": "Pokračuji v nedokončeném opakování uloženém {saved_at}.",
    },
    "webex.retry.precheck_ok": {
        "en": "Precheck of {email} passed (info code {code}: {description}).",
        "cs": "Předběžná kontrola {email} prošla (kód {code}: {description}).",
    },
    "webex.retry.precheck_failed": {
        "en": "Precheck of {email} failed (HTTP {status}, code {code}): {description}. Nothing "
        "was changed.",
        "cs": "Předběžná kontrola {email} neprošla (HTTP {status}, kód {code}): {description}. "
        "Nic nebylo změněno.",
    },
    "webex.retry.saved": {
        "en": "Saved everything needed to provision {user_id} again.",
        "cs": "Uloženo vše potřebné k novému zřízení {user_id}.",
    },
    "webex.retry.deleted": {
        "en": "Removed the old Webex entry of {user_id}.",
        "cs": "Starý záznam {user_id} ve Webexu byl odstraněn.",
    },
    "webex.retry.already_deleted": {
        "en": "The old Webex entry of {user_id} was already removed.",
        "cs": "Starý záznam {user_id} ve Webexu už byl odstraněn.",
    },
    "webex.retry.delete_failed": {
        "en": "Could not remove the old entry (HTTP {status}, code {code}): {description}",
        "cs": "Starý záznam nešlo odstranit (HTTP {status}, kód {code}): {description}",
    },
    "webex.retry.provision_failed": {
        "en": "Provisioning again failed (HTTP {status}, code {code}): {description}",
        "cs": "Nové zřízení selhalo (HTTP {status}, kód {code}): {description}",
    },
    "webex.retry.provision_unknown": {
        "en": "Webex did not confirm the new provisioning of {user_id}, and it is not listed yet.",
        "cs": "Webex nepotvrdil nové zřízení {user_id} a uživatel zatím není v seznamu.",
    },
    "webex.retry.recoverable": {
        "en": "{user_id} is not lost: everything needed is saved. Run the same retry again to "
        "finish.",
        "cs": "{user_id} není ztracen: vše potřebné je uloženo. Dokončete to stejným opakováním.",
    },
    "webex.retry.provisioning": {
        "en": "Provisioning {user_id} again with {email}; Webex now reports `{status}` and "
        "finishes in the background.",
        "cs": "{user_id} se znovu zřizuje s adresou {email}; Webex hlásí `{status}` a dokončí to "
        "na pozadí.",
    },
    "webex.gone": {
        "en": "{user_id} no longer exists in Webex; removed from the list.",
        "cs": "{user_id} už ve Webexu neexistuje; odebrán ze seznamu.",
    },
    # --- delete, package ---------------------------------------------------------------------
    "webex.delete.done": {
        "en": "Deleted {name} ({user_id}) in Webex.",
        "cs": "{name} ({user_id}) byl ve Webexu odstraněn.",
    },
    "webex.delete.already_gone": {
        "en": "{name} ({user_id}) was already gone from Webex.",
        "cs": "{name} ({user_id}) už ve Webexu nebyl.",
    },
    "webex.delete.failed": {
        "en": "Webex did not delete the user (HTTP {status}, code {code}): {description}",
        "cs": "Webex uživatele neodstranil (HTTP {status}, kód {code}): {description}",
    },
    "webex.delete.can_onboard_again": {
        "en": "The user can now onboard again through the user activation portal.",
        "cs": "Uživatel se teď může znovu zaregistrovat přes portál pro aktivaci uživatelů.",
    },
    "webex.package.updating": {
        "en": "Package of {user_id} set to {package}; Webex is applying it (`{status}`).",
        "cs": "Balíček {user_id} nastaven na {package}; Webex ho uplatňuje (`{status}`).",
    },
    "webex.package.set": {
        "en": "Package of {user_id} set to {package} (`{status}`).",
        "cs": "Balíček {user_id} nastaven na {package} (`{status}`).",
    },
    "webex.package.failed": {
        "en": "Webex did not change the package (HTTP {status}, code {code}): {description}",
        "cs": "Webex balíček nezměnil (HTTP {status}, kód {code}): {description}",
    },
    # --- activation emails -------------------------------------------------------------------
    "webex.resend.job_started": {
        "en": "Webex started re-sending activation emails (job {job_id}, `{status}`).",
        "cs": "Webex začal znovu posílat aktivační e-maily (úloha {job_id}, `{status}`).",
    },
    "webex.resend.whole_org": {
        "en": "Note: Webex cannot target single users; the job covers every user still waiting "
        "for activation ({all}), not only the {asked} you named.",
        "cs": "Pozor: Webex neumí oslovit jednotlivé uživatele; úloha pokryje všechny, kdo ještě "
        "čekají na aktivaci ({all}), nejen {asked} uvedených.",
    },
    "webex.resend.already_running": {
        "en": "A re-send job is already running for this organization (only one at a time); "
        "try again when it has finished.",
        "cs": "Pro tuto organizaci už jedna úloha opětovného odeslání běží (smí jen jedna); "
        "zkuste to po jejím dokončení.",
    },
    "webex.resend.failed": {
        "en": "Webex did not start the re-send job (HTTP {status}, code {code}): {description}",
        "cs": "Webex úlohu opětovného odeslání nespustil (HTTP {status}, kód {code}): "
        "{description}",
    },
    "webex.resend.unknown": {
        "en": "Webex did not confirm the re-send job; it may have started. Check again later.",
        "cs": "Webex úlohu opětovného odeslání nepotvrdil; možná běží. Zkontrolujte to později.",
    },
    # --- how sure a Control Hub state is (OrgUser.facts) -------------------------------------
    "webex.state.confidence.api": {
        "en": "read from Webex",
        "cs": "načteno z Webexu",
    },
    "webex.state.confidence.inferred": {
        "en": "inferred from Webex fields (Cisco documents no mapping)",
        "cs": "odvozeno z polí Webexu (Cisco žádné přiřazení nedokumentuje)",
    },
    "webex.state.confidence.unknown": {
        "en": "cannot be told from the Webex API",
        "cs": "z API Webexu nelze poznat",
    },
    "webex.state.active_or_verified": {
        "en": "Active or Verified: the Webex API does not show whether the user has signed in "
        "yet. Control Hub's Users list shows which.",
        "cs": "Aktivní nebo Ověřeno: API Webexu neukazuje, zda se uživatel už přihlásil. Rozliší "
        "to seznam Uživatelé v Control Hubu.",
    },
    "webex.state.delayed_claim_hidden": {
        "en": "Delayed claim cannot be seen through the Webex API; users in it show as Active. "
        "Check Control Hub for claims waiting on a decision.",
        "cs": "Odložený nárok přes API Webexu vidět není; takoví uživatelé se jeví jako Aktivní. "
        "Nároky čekající na rozhodnutí zkontrolujte v Control Hubu.",
    },
    "webex.state.known_by": {
        "en": "How the bot knows: {confidence}, because {basis}.",
        "cs": "Jak to bot ví: {confidence}, protože {basis}.",
    },
    "webex.states.known_by": {
        "en": "How the bot knows these states: {confidence}.",
        "cs": "Jak bot tyto stavy zná: {confidence}.",
    },
    "webex.states.uncertain": {
        "en": "{n} of them: {why}",
        "cs": "{n} z nich: {why}",
    },
    "webex.state.basis.login_disabled": {
        "en": "sign-in is disabled (`loginEnabled` false)",
        "cs": "přihlášení je zakázáno (`loginEnabled` false)",
    },
    "webex.state.basis.scim_inactive": {
        "en": "the account is inactive in SCIM (`active` false or `disabled`)",
        "cs": "účet je v SCIM neaktivní (`active` false nebo `disabled`)",
    },
    "webex.state.basis.account_held": {
        "en": "the account is held (SCIM `accountStatus` fraud or compliance)",
        "cs": "účet je pozastaven (SCIM `accountStatus` fraud nebo compliance)",
    },
    "webex.state.basis.invite_pending": {
        "en": "the invitation is still pending (`invitePending`)",
        "cs": "pozvánka stále čeká na přijetí (`invitePending`)",
    },
    "webex.state.basis.account_pending": {
        "en": "the account is pending (SCIM `accountStatus`)",
        "cs": "účet čeká na potvrzení (SCIM `accountStatus`)",
    },
    "webex.state.basis.never_signed_in": {
        "en": "the user has never signed in (presence `pending`)",
        "cs": "uživatel se nikdy nepřihlásil (přítomnost `pending`)",
    },
    "webex.state.basis.has_signed_in": {
        "en": "the user has been active in Webex",
        "cs": "uživatel byl ve Webexu aktivní",
    },
    "webex.state.basis.no_sign_in_signal": {
        "en": "no field shows whether the user has signed in",
        "cs": "žádné pole neukazuje, zda se uživatel přihlásil",
    },
}
