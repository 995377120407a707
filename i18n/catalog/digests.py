"""Messages of the digests area: key -> {"en": ..., "cs": ...}.

Czech uses Partner Hub's and Control Hub's own words: zřízen, nevyřízený požadavek, chyba;
a digest is a "přehled".
"""

MESSAGES: dict[str, dict[str, str]] = {
    # --- commands: help and argument labels ---------------------------------------------------
    "cmd.digest.help": {
        "en": "List the digests of this space: when they post and what they cover.",
        "cs": "Vypíše přehledy tohoto prostoru: kdy se posílají a co obsahují.",
    },
    "cmd.digest_daily.help": {
        "en": "Post a digest here every day at HH:MM "
        "(optional: a time zone such as Europe/Prague; errors, pending or all; quiet).",
        "cs": "Posílat sem přehled každý den v HH:MM "
        "(volitelně: časové pásmo, např. Europe/Prague; errors, pending nebo all; quiet).",
    },
    "cmd.digest_weekdays.help": {
        "en": "Post a digest here Monday to Friday at HH:MM (same options as digest daily).",
        "cs": "Posílat sem přehled od pondělí do pátku v HH:MM (volby jako u digest daily).",
    },
    "cmd.digest_cron.help": {
        "en": "Post a digest here on a cron schedule: five fields in quotes, e.g. "
        '`digest cron "0 8 * * 1-5"`.',
        "cs": "Posílat sem přehled podle cronu: pět polí v uvozovkách, např. "
        '`digest cron "0 8 * * 1-5"`.',
    },
    "cmd.digest_off.help": {
        "en": "Stop a digest of this space (its number is in the digest list).",
        "cs": "Zastaví přehled tohoto prostoru (jeho číslo je v seznamu přehledů).",
    },
    "cmd.digest_now.help": {
        "en": "Post the digest of this space now.",
        "cs": "Pošle přehled tohoto prostoru hned teď.",
    },
    "arg.digest_time": {"en": "HH:MM", "cs": "HH:MM"},
    "arg.digest_options": {"en": "zone|content|quiet", "cs": "pásmo|obsah|quiet"},
    "arg.digest_cron": {"en": "cron", "cs": "cron"},
    "arg.digest_id": {"en": "digest number", "cs": "číslo přehledu"},
    # --- commands: input errors ---------------------------------------------------------------
    "digest.bad_time": {
        "en": "{time} is not a time of day: write it as HH:MM, e.g. 08:00.",
        "cs": "{time} není denní čas: napište ho jako HH:MM, např. 08:00.",
    },
    "digest.bad_timezone": {
        "en": "{timezone} is not a time zone: use an IANA name such as Europe/Prague or UTC.",
        "cs": "{timezone} není časové pásmo: použijte název IANA, např. Europe/Prague nebo UTC.",
    },
    "digest.bad_cron": {
        "en": "{cron} is not a cron line ({reason}): five fields, minute hour day month weekday, "
        'e.g. `"0 8 * * 1-5"`.',
        "cs": "{cron} není řádek cronu ({reason}): pět polí, minuta hodina den měsíc den v týdnu, "
        'např. `"0 8 * * 1-5"`.',
    },
    "digest.bad_option": {
        "en": "I don't understand {word}: after the time give a time zone (Europe/Prague), "
        "errors, pending or all, and quiet.",
        "cs": "Nerozumím {word}: za čas patří časové pásmo (Europe/Prague), "
        "errors, pending nebo all a quiet.",
    },
    "digest.not_found": {
        "en": "This space has no digest {id}; `digest` lists its digests.",
        "cs": "Tento prostor nemá přehled {id}; jeho přehledy vypíše `digest`.",
    },
    "digest.no_space": {
        "en": "Digests belong to a space: manage them in the space they post to.",
        "cs": "Přehledy patří k prostoru: spravujte je v prostoru, kam se posílají.",
    },
    "digest.from_config": {
        "en": "Digest {id} is defined in app.yaml; change or remove it there.",
        "cs": "Přehled {id} je definován v app.yaml; změňte ho nebo odstraňte tam.",
    },
    "digest.duplicate": {
        "en": "This space already has digest **#{id}**: {schedule} ({timezone}), {content}. "
        "Stop it first with `digest off {id}` to replace it.",
        "cs": "Tento prostor už má přehled **#{id}**: {schedule} ({timezone}), {content}. "
        "Chcete-li ho nahradit, nejdřív ho zastavte příkazem `digest off {id}`.",
    },
    # --- commands: answers --------------------------------------------------------------------
    "digest.list.title": {
        "en": "**Digests of this space** ({n})",
        "cs": "**Přehledy tohoto prostoru** ({n})",
    },
    "digest.list.none": {
        "en": "This space has no digests. An admin can add one: "
        "`digest daily 08:00 Europe/Prague`.",
        "cs": "Tento prostor nemá žádné přehledy. Správce ho přidá příkazem "
        "`digest daily 08:00 Europe/Prague`.",
    },
    "digest.list.next": {"en": "next {time}", "cs": "příště {time}"},
    "digest.list.last": {"en": "last ran {time}", "cs": "naposledy {time}"},
    "digest.list.off_hint": {
        "en": "Stop one with `digest off <number>`.",
        "cs": "Zastavíte ho příkazem `digest off <číslo>`.",
    },
    "digest.schedule.daily": {"en": "every day at {time}", "cs": "každý den v {time}"},
    "digest.schedule.weekdays": {
        "en": "Monday to Friday at {time}",
        "cs": "od pondělí do pátku v {time}",
    },
    "digest.schedule.cron": {"en": "cron `{cron}`", "cs": "cron `{cron}`"},
    "digest.content.errors": {"en": "errors", "cs": "chyby"},
    "digest.content.pending": {
        "en": "pending requests and stuck users",
        "cs": "nevyřízené požadavky a uvízlí uživatelé",
    },
    "digest.content.all": {"en": "everything", "cs": "vše"},
    "digest.quiet": {
        "en": "silent when nothing changed",
        "cs": "mlčí, když se nic nezměnilo",
    },
    "digest.source.config": {"en": "from app.yaml", "cs": "z app.yaml"},
    "digest.source.chat": {"en": "added by {who}", "cs": "přidal(a) {who}"},
    "digest.saved": {
        "en": "Digest **#{id}** added: {schedule} ({timezone}), {content}. First post: {next}.",
        "cs": "Přehled **#{id}** přidán: {schedule} ({timezone}), {content}. Poprvé: {next}.",
    },
    "digest.stopped": {
        "en": "Digest **#{id}** stopped; it will not post again.",
        "cs": "Přehled **#{id}** zastaven; už se nebude posílat.",
    },
    # --- the digest itself --------------------------------------------------------------------
    "digest.title": {
        "en": "**Onboarding digest** · {time}",
        "cs": "**Přehled onboardingu** · {time}",
    },
    # A CLDR pattern Babel fills in the digest's time zone; {zone} names that zone
    "digest.time": {"en": "yyyy-MM-dd HH:mm", "cs": "d. M. y H:mm"},
    "digest.first": {
        "en": "First digest of this space: the lists show the current state.",
        "cs": "První přehled tohoto prostoru: seznamy ukazují současný stav.",
    },
    "digest.since": {
        "en": "Since the previous digest ({time}): {changes}",
        "cs": "Od předchozího přehledu ({time}): {changes}",
    },
    "digest.change.error": {"en": "errors {n}", "cs": "chyby {n}"},
    "digest.change.pending": {"en": "pending {n}", "cs": "nevyřízené {n}"},
    "digest.change.provisioned": {"en": "provisioned {n}", "cs": "zřízení {n}"},
    "digest.change.none": {"en": "no change in the counts", "cs": "počty beze změny"},
    "digest.nothing_changed": {
        "en": "{title}: nothing changed since the previous digest ({time}). {totals}",
        "cs": "{title}: od předchozího přehledu ({time}) se nic nezměnilo. {totals}",
    },
    "digest.totals": {"en": "Users: {n} ({counts})", "cs": "Uživatelé: {n} ({counts})"},
    "digest.by_status": {"en": "By status", "cs": "Podle stavu"},
    "digest.by_customer": {"en": "By customer", "cs": "Podle zákazníka"},
    "digest.section.new_errors": {
        "en": "New errors since the previous digest ({n})",
        "cs": "Nové chyby od předchozího přehledu ({n})",
    },
    "digest.section.errors": {"en": "Errors ({n})", "cs": "Chyby ({n})"},
    "digest.section.resolved": {
        "en": "Resolved since the previous digest ({n})",
        "cs": "Vyřešeno od předchozího přehledu ({n})",
    },
    "digest.section.pending": {
        "en": "Pending for more than {days} ({n})",
        "cs": "Nevyřízené déle než {days} ({n})",
    },
    "digest.section.not_verified": {
        "en": "{state} for more than {days} ({n})",
        "cs": "{state} déle než {days} ({n})",
    },
    "digest.section.claims": {
        "en": "{state}: the 14-day window ends {within} or has ended ({n})",
        "cs": "{state}: čtrnáctidenní lhůta skončí {within} nebo už skončila ({n})",
    },
    "digest.pending_for": {"en": "{status} for {days}", "cs": "{status} už {days}"},
    "digest.error_hint_viewers": {
        "en": "Error texts are not shown in this space; who may read them gets them with "
        "`error <user>`.",
        "cs": "Texty chyb se v tomto prostoru neukazují; kdo je smí číst, dostane je příkazem "
        "`error <uživatel>`.",
    },
    "digest.error_hint": {
        "en": "Exact error text for a ticket: `error <user>`.",
        "cs": "Přesný text chyby do tiketu: `error <uživatel>`.",
    },
    "digest.card.refresh": {"en": "Post again now", "cs": "Poslat znovu teď"},
}
