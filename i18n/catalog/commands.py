"""Messages of the commands area and their markdown replies: key -> {"en": ..., "cs": ...}.

Czech uses Partner Hub's and Control Hub's own words (domain.md): zřízen, nevyřízený požadavek,
chyba, Opakovat aktivaci, Odstranit uživatele, Změnit typ balíčku, Kopírovat text chyby, Vyloučit
zřízené uživatele. Inside code spans, commands are written as typed in English (every command also
has a Czech name, commands/czech.py). Counted messages live in counts.py.
"""

MESSAGES: dict[str, dict[str, str]] = {
    # Roles
    "role.viewer": {"en": "viewer", "cs": "čtenář"},
    "role.support": {"en": "support", "cs": "podpora"},
    "role.admin": {"en": "admin", "cs": "správce"},
    # Argument labels in usage lines
    "arg.user": {"en": "user", "cs": "uživatel"},
    "arg.users": {"en": "users", "cs": "uživatelé"},
    "arg.email": {"en": "email", "cs": "e-mail"},
    "arg.package": {"en": "package", "cs": "balíček"},
    "arg.customer": {"en": "customer", "cs": "zákazník"},
    "arg.filters": {"en": "filters", "cs": "filtry"},
    "arg.days": {"en": "days", "cs": "dny"},
    "arg.state": {"en": "state", "cs": "stav"},
    "arg.status": {"en": "status", "cs": "stav"},
    "arg.page": {"en": "page", "cs": "strana"},
    "arg.command": {"en": "command", "cs": "příkaz"},
    "arg.code": {"en": "code", "cs": "kód"},
    "arg.number": {"en": "number", "cs": "číslo"},
    # What each kind of argument takes
    "argdoc.user": {
        "en": "an email, a BroadWorks user ID or a subscriber id",
        "cs": "e-mail, ID uživatele BroadWorks nebo ID účastníka",
    },
    "argdoc.email": {"en": "a valid email address", "cs": "platná e-mailová adresa"},
    "argdoc.package": {
        "en": "softphone, basic, standard or premium",
        "cs": "softphone, basic, standard nebo premium",
    },
    "argdoc.customer": {"en": "the customer's id or name", "cs": "ID nebo název zákazníka"},
    "argdoc.number": {"en": "a whole number", "cs": "celé číslo"},
    "argdoc.state": {
        "en": "Active, Verified, Not verified, Inactive or Delayed claim (Czech names work too)",
        "cs": "Aktivní, Ověřeno, Neověřeno, Neaktivní nebo Odložený nárok (i anglické názvy)",
    },
    "argdoc.command": {"en": "a command name", "cs": "název příkazu"},
    "argdoc.code": {
        "en": "the code from the confirmation request",
        "cs": "kód z žádosti o potvrzení",
    },
    "argdoc.filters": {"en": "any of the filters below", "cs": "libovolné z filtrů níže"},
    # One line of help per command
    "cmd.help.help": {
        "en": "What I can do; `help <command>` explains one command.",
        "cs": "Co umím; `help <příkaz>` vysvětlí jeden příkaz.",
    },
    "cmd.status.help": {
        "en": "Users and their status (Partner Hub's User Status); provisioned users only with "
        "`all`. With a user: that user in detail.",
        "cs": "Uživatelé a jejich stav (Stav uživatele v Partner Hubu); zřízení uživatelé jen "
        "s `all`. S uživatelem: podrobnosti o něm.",
    },
    "cmd.retry.help": {
        "en": "Retry activation: onboard a user with a pending request or an error again, with "
        "a valid email.",
        "cs": "Opakovat aktivaci: znovu zřídit uživatele s nevyřízeným požadavkem nebo chybou, "
        "s platnou e-mailovou adresou.",
    },
    "cmd.delete.help": {
        "en": "Delete user, so they can register again (asks to confirm).",
        "cs": "Odstranit uživatele, aby se mohl znovu zaregistrovat (vyžaduje potvrzení).",
    },
    "cmd.package.help": {
        "en": "Change package type.",
        "cs": "Změnit typ balíčku.",
    },
    "cmd.error.help": {
        "en": "Copy error text: the exact error text and codes, to paste into a ticket.",
        "cs": "Kopírovat text chyby: přesný text chyby a kódy, pro vložení do tiketu.",
    },
    "cmd.export.help": {
        "en": "Export the filtered user list as a CSV file.",
        "cs": "Export seznamu uživatelů podle filtrů jako soubor CSV.",
    },
    "cmd.template_check.help": {
        "en": "Check a customer's template: *Untrusted emails* checked, *Share link* pointing at "
        "the *Activation link*.",
        "cs": "Zkontrolovat šablonu zákazníka: zaškrtnuté *Nedůvěryhodné e-maily* a *Sdílet "
        "odkaz* vedoucí na *odkaz Aktivace*.",
    },
    "cmd.templates.help": {
        "en": "Customers with their user counts and template state.",
        "cs": "Zákazníci s počty uživatelů a stavem šablony.",
    },
    "cmd.states.help": {
        "en": "How many Control Hub users are in each state, and what the states mean.",
        "cs": "Kolik uživatelů Control Hubu je v jednotlivých stavech a co stavy znamenají.",
    },
    "cmd.state.help": {
        "en": "A Control Hub user's state: how they got there and what moves them on.",
        "cs": "Stav uživatele v Control Hubu: jak se do něj dostal a co ho posune dál.",
    },
    "cmd.stuck.help": {
        "en": "Users who need an admin: Not verified for more than N days (7 unless given), "
        "Delayed claims about to run out.",
        "cs": "Uživatelé, kteří potřebují správce: ve stavu Neověřeno déle než N dní (bez "
        "zadání 7), Odložený nárok těsně před koncem lhůty.",
    },
    "cmd.explain.help": {
        "en": "What a Control Hub state means (English or Czech name).",
        "cs": "Co znamená stav v Control Hubu (český nebo anglický název).",
    },
    "cmd.resend.help": {
        "en": "Re-send the email invitation to Not verified users (all of them if nobody is "
        "named; more than one asks to confirm).",
        "cs": "Znovu odeslat e-mailovou pozvánku uživatelům ve stavu Neověřeno (všem, pokud "
        "nikoho neuvedete; u více uživatelů vyžaduje potvrzení).",
    },
    "cmd.confirm.help": {
        "en": "Carry out an action that waits for your confirmation.",
        "cs": "Provést akci, která čeká na vaše potvrzení.",
    },
    "cmd.cancel.help": {
        "en": "Drop an action that waits for your confirmation.",
        "cs": "Zrušit akci, která čeká na vaše potvrzení.",
    },
    # Parsing
    "parse.error": {"en": "I could not understand that.", "cs": "Tomu nerozumím."},
    "parse.empty": {
        "en": "Say something, e.g. `help`.",
        "cs": "Napište například `help`.",
    },
    "parse.unknown_command": {
        "en": "I don't know the command `{name}`.",
        "cs": "Příkaz `{name}` neznám.",
    },
    "parse.bad_choice": {
        "en": "`{value}` is not a valid {arg}. Valid: {valid}.",
        "cs": "`{value}` není platná hodnota argumentu {arg}. Platné hodnoty: {valid}.",
    },
    "parse.bad_email": {"en": "Argument {arg}:", "cs": "Argument {arg}:"},
    "parse.bad_email_plain": {
        "en": "Argument {arg}: `{value}` is not a valid email address.",
        "cs": "Argument {arg}: `{value}` není platná e-mailová adresa.",
    },
    "parse.bad_number": {
        "en": "Argument {arg}: `{value}` is not a whole number of at least {minimum}.",
        "cs": "Argument {arg}: `{value}` není celé číslo větší nebo rovné {minimum}.",
    },
    "parse.bad_code": {
        "en": "Argument {arg}: `{value}` is not a confirmation code (letters and digits).",
        "cs": "Argument {arg}: `{value}` není kód potvrzení (písmena a číslice).",
    },
    "parse.empty_arg": {"en": "Argument {arg} is empty.", "cs": "Argument {arg} je prázdný."},
    "parse.missing": {"en": "Missing argument {arg}.", "cs": "Chybí argument {arg}."},
    "parse.bad_input": {
        "en": "Argument {arg} must be text.",
        "cs": "Argument {arg} musí být text.",
    },
    "parse.too_many": {
        "en": "Too many arguments: `{extra}` is left over.",
        "cs": "Příliš mnoho argumentů: `{extra}` přebývá.",
    },
    "parse.filter_value": {
        "en": "The filter `{filter}` needs a value after it.",
        "cs": "Filtr `{filter}` potřebuje za sebou hodnotu.",
    },
    "parse.bad_option": {
        "en": "`{value}` is not an option here; `export … --plain` writes a file for scripts "
        "(no byte-order mark, column names that never change).",
        "cs": "`{value}` tu nelze použít; `export … --plain` zapíše soubor pro skripty "
        "(bez značky pořadí bajtů, s neměnnými názvy sloupců).",
    },
    "parse.bad_filter": {
        "en": "`{value}` is not a filter; to search for that text, use `search {value}`.",
        "cs": "`{value}` není filtr; chcete-li hledat tento text, použijte `search {value}`.",
    },
    # Running
    "run.unknown_action": {
        "en": "I don't know this button (`{name}`); it may be from an older card.",
        "cs": "Toto tlačítko (`{name}`) neznám; může být ze starší karty.",
    },
    "run.forbidden": {
        "en": "`{command}` needs the {role} role; yours is {yours}.",
        "cs": "`{command}` vyžaduje roli {role}; vaše role je {yours}.",
    },
    # Confirmations
    "confirm.unknown": {
        "en": "There is no confirmation with the code `{code}`. Nothing was done.",
        "cs": "Potvrzení s kódem `{code}` neexistuje. Nic se neprovedlo.",
    },
    "confirm.not_yours": {
        "en": "The code `{code}` belongs to someone else's request; only they can confirm it. "
        "Nothing was done.",
        "cs": "Kód `{code}` patří k požadavku někoho jiného; potvrdit ho může jen on. "
        "Nic se neprovedlo.",
    },
    "confirm.used": {
        "en": "The code `{code}` has already been used. Nothing was done.",
        "cs": "Kód `{code}` už byl použit. Nic se neprovedlo.",
    },
    "confirm.expired": {
        "en": "The code `{code}` has expired. Nothing was done; ask again with `{again}`.",
        "cs": "Platnost kódu `{code}` vypršela. Nic se neprovedlo; požádejte znovu příkazem "
        "`{again}`.",
    },
    "confirm.forbidden": {
        "en": "Confirming `{command}` needs a role you do not have now. Nothing was done.",
        "cs": "Potvrzení příkazu `{command}` vyžaduje roli, kterou teď nemáte. Nic se neprovedlo.",
    },
    "confirm.cancelled": {
        "en": "Cancelled: the code `{code}` does nothing now.",
        "cs": "Zrušeno: kód `{code}` už nic neprovede.",
    },
    "resend.nobody": {
        "en": "No user is Not verified; there is nobody to re-send an invitation to.",
        "cs": "Žádný uživatel není ve stavu Neověřeno; není komu pozvánku znovu poslat.",
    },
    # Markdown replies: common pieces
    # CLDR patterns Babel fills in (quoted text stays as written)
    # In the bot's ``timezone`` setting (i18n.numbers.display_zone), the style of the digests.
    "md.datetime": {"en": "yyyy-MM-dd HH:mm", "cs": "d. M. y H:mm"},
    "md.time": {"en": "HH:mm", "cs": "H:mm"},
    "md.ago.now": {"en": "just now", "cs": "právě teď"},
    "md.ago.minutes": {"en": "{n} min ago", "cs": "před {n} min"},
    "md.ago.hours": {"en": "{n} h ago", "cs": "před {n} h"},
    "md.fresh": {"en": "Data as of {time} ({ago}).", "cs": "Data k {time} ({ago})."},
    "md.fresh.never": {
        "en": "The data has not been synced yet.",
        "cs": "Data zatím nebyla synchronizována.",
    },
    "md.cut": {
        "en": "… (cut to fit one Webex message)",
        "cs": "… (zkráceno, aby se vešlo do jedné zprávy Webex)",
    },
    "md.did_you_mean": {"en": "Did you mean", "cs": "Měli jste na mysli"},
    "md.usage": {"en": "Usage", "cs": "Použití"},
    "md.usage_more": {"en": "More: `help {command}`", "cs": "Více: `help {command}`"},
    "md.help_hint": {
        "en": "Type `help` to see what I can do.",
        "cs": "Napište `help` a uvidíte, co umím.",
    },
    "md.actions": {"en": "Actions", "cs": "Akce"},
    "md.no_email": {"en": "no email yet", "cs": "zatím bez e-mailu"},
    # Subscriber lists
    "md.filter.all": {"en": "all users", "cs": "všichni uživatelé"},
    "md.filter.not_provisioned": {
        "en": "pending requests and errors",
        "cs": "nevyřízené požadavky a chyby",
    },
    "md.filter.customer": {"en": "customer `{customer}`", "cs": "zákazník `{customer}`"},
    "md.filter.package": {"en": "package type {package}", "cs": "typ balíčku {package}"},
    "md.filter.search": {"en": "matching `{text}`", "cs": "hledáno `{text}`"},
    "md.filter.default": {
        "en": "none (provisioned users left out)",
        "cs": "žádné (bez zřízených uživatelů)",
    },
    "md.status.excluding": {
        "en": "{toggle}: on (`status all` shows everyone).",
        "cs": "{toggle}: zapnuto (`status all` zobrazí všechny).",
    },
    "md.status.empty": {"en": "No users match.", "cs": "Žádný uživatel neodpovídá."},
    "md.status.empty_page": {
        "en": "Page {page} is empty; there are {pages} pages.",
        "cs": "Strana {page} je prázdná; počet stran: {pages}.",
    },
    "md.status.next": {"en": "Next page: `{command}`", "cs": "Další strana: `{command}`"},
    "md.status.hint": {
        "en": "Details: `status <user>` · error text: `error <user>`",
        "cs": "Podrobnosti: `status <uživatel>` · text chyby: `error <uživatel>`",
    },
    "md.status.hint_no_error_text": {
        "en": "Details: `status <user>`",
        "cs": "Podrobnosti: `status <uživatel>`",
    },
    # One subscriber
    "md.field.broadworks_id": {"en": "BroadWorks ID", "cs": "ID BroadWorks"},
    "md.field.email": {"en": "Email", "cs": "E-mail"},
    "md.field.customer": {"en": "Customer", "cs": "Zákazník"},
    "md.field.package": {"en": "Package type", "cs": "Typ balíčku"},
    "md.field.status": {"en": "Status", "cs": "Stav"},
    "md.field.changed": {"en": "Last status change", "cs": "Poslední změna stavu"},
    "md.field.subscriber_id": {"en": "Subscriber id", "cs": "ID účastníka"},
    "md.field.error_codes": {
        "en": "Error codes: {codes} (full text: `{command}`)",
        "cs": "Kódy chyb: {codes} (celý text: `{command}`)",
    },
    # A viewer sees the codes only: error text is for the support role, as ``error`` says.
    "md.field.error_codes_no_text": {
        "en": "Error codes: {codes} (the error text is shown to the {role} role)",
        "cs": "Kódy chyb: {codes} (text chyby se zobrazuje roli {role})",
    },
    # Error text
    "md.error.title": {"en": "**{action}**:", "cs": "**{action}**:"},
    "md.error.none": {
        "en": "No error is recorded; the status is {status}.",
        "cs": "Žádná chyba není zaznamenána; stav je {status}.",
    },
    "md.error.codes": {"en": "Error codes: {codes}", "cs": "Kódy chyb: {codes}"},
    # Export
    "md.export.done": {
        "en": "**Export**: {rows} users written to `{file}`.",
        "cs": "**Export**: soubor `{file}`, počet uživatelů: {rows}.",
    },
    "md.export.filters": {"en": "Filters", "cs": "Filtry"},
    "md.export.zipped": {
        "en": "The CSV is {size} MB, over the 100 MB Webex accepts for one file, so it comes "
        "compressed as a zip archive ({zipped} MB).",
        "cs": "Soubor CSV má {size} MB, víc než 100 MB, které Webex přijme v jednom souboru, "
        "proto přichází zkomprimovaný jako archiv zip ({zipped} MB).",
    },
    # Actions and confirmations
    "md.action.resend": {"en": "Re-send invitation", "cs": "Znovu odeslat pozvánku"},
    "md.result.ok": {"en": "done", "cs": "hotovo"},
    "md.result.failed": {"en": "failed", "cs": "nezdařilo se"},
    "md.result.now": {
        "en": "Status now: {status} (`status {ref}`)",
        "cs": "Stav nyní: {status} (`status {ref}`)",
    },
    "md.confirm.delete": {
        "en": "**{action}** `{target}`? This cannot be undone.",
        "cs": "**{action}** `{target}`? Tuto akci nelze vrátit.",
    },
    "md.confirm.how": {
        "en": "To go ahead, type `{command}` by {until}. To drop it: `{cancel}`.",
        "cs": "Pro pokračování napište `{command}` do {until}. Pro zrušení: `{cancel}`.",
    },
    # Help
    "md.help.title": {
        "en": "**What I can do for you** (your role: {role})",
        "cs": "**Co pro vás mohu udělat** (vaše role: {role})",
    },
    "md.help.more": {"en": "Details: `help <command>`", "cs": "Podrobnosti: `help <příkaz>`"},
    "md.help.filters": {
        "en": "Filters: `pending` (pending requests and errors), `requests` (pending requests "
        "only), `errors`, `provisioned`, `all`, an exact API status (`pending_email_input`, …), "
        "`customer <id>`, `package <p>`, `search <text>` (or just the text), `page <n>`. "
        "Without `all` or `provisioned`, provisioned users are left out (*Exclude provisioned "
        "users*).",
        "cs": "Filtry: `pending` (nevyřízené požadavky a chyby), `requests` (jen nevyřízené "
        "požadavky), `errors`, `provisioned`, `all`, přesný stav z API (`pending_email_input`, "
        "…), `customer <id>`, `package <balíček>`, `search <text>` (nebo jen text), `page <n>`. "
        "Bez `all` nebo `provisioned` se zřízení uživatelé nezobrazují (*Vyloučit zřízené "
        "uživatele*).",
    },
    "md.help.aliases": {"en": "Also", "cs": "Také"},
    "md.help.examples": {"en": "Examples", "cs": "Příklady"},
    "md.help.role": {"en": "Needs the {role} role.", "cs": "Vyžaduje roli {role}."},
    "md.help.role_missing": {
        "en": "Needs the {role} role, which you do not have.",
        "cs": "Vyžaduje roli {role}, kterou nemáte.",
    },
    # Templates
    "md.template.title": {
        "en": "**Template of {name}** (`{id}`) — User Authentication",
        "cs": "**Šablona zákazníka {name}** (`{id}`) — Ověření uživatele",
    },
    "md.template.unknown": {
        "en": "The onboarding provider cannot read templates. Check in Partner Hub: Settings → "
        "BroadWorks Calling → View Templates → the template of {name} → User Authentication: "
        "*Untrusted emails* checked and *Share link* pointing at the *Activation link*.",
        "cs": "Poskytovatel zřizování neumí šablony číst. Zkontrolujte v Partner Hubu: "
        "Nastavení (Settings) → BroadWorks Calling → Zobrazit šablony (View Templates) → "
        "šablona zákazníka {name} → Ověření uživatele: zaškrtnuté *Nedůvěryhodné e-maily* "
        "a *Sdílet odkaz* vedoucí na *odkaz Aktivace*.",
    },
    "md.template.untrusted_ok": {
        "en": "*Untrusted emails* is checked.",
        "cs": "*Nedůvěryhodné e-maily* jsou zaškrtnuté.",
    },
    "md.template.untrusted_bad": {
        "en": "*Untrusted emails* is not checked: users cannot provision themselves.",
        "cs": "*Nedůvěryhodné e-maily* nejsou zaškrtnuté: uživatelé se nemohou zřídit sami.",
    },
    "md.template.share_ok": {
        "en": "*Share link* points at the *Activation link*.",
        "cs": "*Sdílet odkaz* vede na *odkaz Aktivace*.",
    },
    "md.template.share_bad": {
        "en": "*Share link* does not point at the *Activation link*.",
        "cs": "*Sdílet odkaz* nevede na *odkaz Aktivace*.",
    },
    "md.template.ok": {
        "en": "Users can activate themselves in the user activation portal.",
        "cs": "Uživatelé se mohou aktivovat sami na portálu pro aktivaci uživatelů.",
    },
    "md.template.bad": {
        "en": "Users cannot provision themselves until this is fixed.",
        "cs": "Dokud to nebude opraveno, uživatelé se nemohou zřídit sami.",
    },
    "md.template.where": {
        "en": "Fix it in Partner Hub: Settings → BroadWorks Calling → View Templates → the "
        "customer's template → User Authentication.",
        "cs": "Opravte to v Partner Hubu: Nastavení (Settings) → BroadWorks Calling → Zobrazit "
        "šablony (View Templates) → šablona zákazníka → Ověření uživatele.",
    },
    "md.template.ok_short": {"en": "template OK", "cs": "šablona v pořádku"},
    "md.template.bad_short": {"en": "template needs fixing", "cs": "šablonu je třeba opravit"},
    "md.template.unknown_short": {
        "en": "template not readable",
        "cs": "šablonu nelze přečíst",
    },
    "md.templates.title": {"en": "**Customers** ({n})", "cs": "**Zákazníci** ({n})"},
    "md.templates.none": {"en": "No customers yet.", "cs": "Zatím žádní zákazníci."},
    "md.templates.hint": {
        "en": "🟢 provisioned · 🟡 pending request · 🔴 error — details: "
        "`template check <customer>`",
        "cs": "🟢 zřízen · 🟡 nevyřízený požadavek · 🔴 chyba — podrobnosti: "
        "`template check <zákazník>`",
    },
    # Control Hub states
    "md.states.hint": {
        "en": "More: `explain <state>` · one user: `state <user>` · who is stuck: `stuck`",
        "cs": "Více: `explain <stav>` · jeden uživatel: `state <uživatel>` · kdo uvízl: `stuck`",
    },
    "md.state.how": {"en": "How they got here", "cs": "Jak se sem dostal"},
    "md.state.meaning": {"en": "Meaning", "cs": "Význam"},
    "md.state.next": {"en": "What moves them on", "cs": "Co ho posune dál"},
    "md.state.ways_in": {
        "en": "Ways into this state",
        "cs": "Jak se uživatel do tohoto stavu dostane",
    },
    "md.stuck.title": {
        "en": "**Users who need an admin**: {n} (Not verified for more than {days}, "
        "Delayed claims about to run out)",
        "cs": "**Uživatelé, kteří potřebují správce**: {n} (Neověřeno déle než {days}; "
        "Odložený nárok těsně před koncem lhůty)",
    },
    "md.stuck.none": {"en": "Nobody is stuck.", "cs": "Nikdo neuvízl."},
    "md.stuck.resend": {
        "en": "Re-send invitations: `resend` (every Not verified user) or `resend <user>`.",
        "cs": "Znovu odeslat pozvánky: `resend` (všem ve stavu Neověřeno) nebo "
        "`resend <uživatel>`.",
    },
}
