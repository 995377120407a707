"""Counted messages: key -> locale -> CLDR plural category -> template.

Each language lists every category CLDR gives it (English: one, other; Czech: one for 1, few
for 2-4, many for fractions such as 1,5, other for 0 and 5 and up); ``i18n.t`` picks the form
through Babel's rule for the message's ``n`` (or ``count``). A count is never written with one
fixed form ("dalších 2 zákazníků"): a message whose words depend on a number belongs here.
"""

#: CLDR's plural categories for Czech, for a message worded the same in each of them.
CS_FORMS = ("one", "few", "many", "other")

COUNTED: dict[str, dict[str, dict[str, str]]] = {
    "ratelimit.slow_down": {
        "en": {
            "one": "Slow down a little, please: you sent more than {n} command in a minute, so I "
            "did not run this one. Try again in {seconds} s.",
            "other": "Slow down a little, please: you sent more than {n} commands in a minute, so "
            "I did not run this one. Try again in {seconds} s.",
        },
        "cs": {
            "one": "Trochu zpomalte, prosím: poslali jste víc než {n} příkaz za minutu, proto jsem "
            "tento nespustil. Zkuste to znovu za {seconds} s.",
            "few": "Trochu zpomalte, prosím: poslali jste víc než {n} příkazy za minutu, proto "
            "jsem tento nespustil. Zkuste to znovu za {seconds} s.",
            "many": "Trochu zpomalte, prosím: poslali jste víc než {n} příkazu za minutu, proto "
            "jsem tento nespustil. Zkuste to znovu za {seconds} s.",
            "other": "Trochu zpomalte, prosím: poslali jste víc než {n} příkazů za minutu, proto "
            "jsem tento nespustil. Zkuste to znovu za {seconds} s.",
        },
    },
    "digest.error_codes": {
        "en": {"one": "{n} error (code {codes})", "other": "{n} errors (codes {codes})"},
        "cs": {
            "one": "{n} chyba (kód {codes})",
            "few": "{n} chyby (kódy {codes})",
            "many": "{n} chyby (kódy {codes})",
            "other": "{n} chyb (kódy {codes})",
        },
    },
    "audit.span": {
        "en": {"one": "the last day", "other": "the last {n} days"},
        "cs": {
            "one": "poslední den",
            "few": "poslední {n} dny",
            "many": "posledních {n} dne",
            "other": "posledních {n} dní",
        },
    },
    "audit.entries": {
        "en": {"one": "{n} entry", "other": "{n} entries"},
        "cs": {
            "one": "{n} záznam",
            "few": "{n} záznamy",
            "many": "{n} záznamu",
            "other": "{n} záznamů",
        },
    },
    "md.audit.more": {
        "en": {
            "one": "…and {n} more. Narrow it down: `audit <user> <days>`; everything: "
            "`onboard-bot audit export`.",
            "other": "…and {n} more. Narrow it down: `audit <user> <days>`; everything: "
            "`onboard-bot audit export`.",
        },
        "cs": {
            "one": "…a další {n}. Zužte výběr: `audit <uživatel> <dny>`; vše: "
            "`onboard-bot audit export`.",
            "few": "…a další {n}. Zužte výběr: `audit <uživatel> <dny>`; vše: "
            "`onboard-bot audit export`.",
            "many": "…a dalších {n}. Zužte výběr: `audit <uživatel> <dny>`; vše: "
            "`onboard-bot audit export`.",
            "other": "…a dalších {n}. Zužte výběr: `audit <uživatel> <dny>`; vše: "
            "`onboard-bot audit export`.",
        },
    },
    "card.rows_cut": {
        "en": {
            "one": "…and {n} more on this page; narrow the filters or use `export`.",
            "other": "…and {n} more on this page; narrow the filters or use `export`.",
        },
        "cs": {
            "one": "…a další {n} na této straně; zužte filtry nebo použijte `export`.",
            "few": "…a další {n} na této straně; zužte filtry nebo použijte `export`.",
            "many": "…a dalších {n} na této straně; zužte filtry nebo použijte `export`.",
            "other": "…a dalších {n} na této straně; zužte filtry nebo použijte `export`.",
        },
    },
    "card.error_cut": {
        "en": {
            "one": "Cut here ({n} more character); *Copy error text* posts all of it.",
            "other": "Cut here ({n} more characters); *Copy error text* posts all of it.",
        },
        "cs": {
            "one": "Zde zkráceno (další {n} znak); *Kopírovat text chyby* pošle celý text.",
            "few": "Zde zkráceno (další {n} znaky); *Kopírovat text chyby* pošle celý text.",
            "many": "Zde zkráceno (dalších {n} znaku); *Kopírovat text chyby* pošle celý text.",
            "other": "Zde zkráceno (dalších {n} znaků); *Kopírovat text chyby* pošle celý text.",
        },
    },
    "md.ago.days": {
        "en": {"one": "{n} day ago", "other": "{n} days ago"},
        "cs": {
            "one": "před {n} dnem",
            "few": "před {n} dny",
            "many": "před {n} dne",
            "other": "před {n} dny",
        },
    },
    "md.more": {
        "en": {
            "one": "…and {n} more — use `export` for the whole list.",
            "other": "…and {n} more — use `export` for the whole list.",
        },
        "cs": {
            "one": "…a další {n} — celý seznam získáte příkazem `export`.",
            "few": "…a další {n} — celý seznam získáte příkazem `export`.",
            "many": "…a dalších {n} — celý seznam získáte příkazem `export`.",
            "other": "…a dalších {n} — celý seznam získáte příkazem `export`.",
        },
    },
    "md.more_plain": {
        "en": {"one": "…and {n} more.", "other": "…and {n} more."},
        "cs": {
            "one": "…a další {n}.",
            "few": "…a další {n}.",
            "many": "…a dalších {n}.",
            "other": "…a dalších {n}.",
        },
    },
    "md.error.cut": {
        "en": {
            "one": "The text is cut here ({n} more character); the whole text is in "
            "`export search {ref}`.",
            "other": "The text is cut here ({n} more characters); the whole text is in "
            "`export search {ref}`.",
        },
        "cs": {
            "one": "Text je zde zkrácen (další {n} znak); celý text je v `export search {ref}`.",
            "few": "Text je zde zkrácen (další {n} znaky); celý text je v `export search {ref}`.",
            "many": "Text je zde zkrácen (dalších {n} znaku); celý text je v "
            "`export search {ref}`.",
            "other": "Text je zde zkrácen (dalších {n} znaků); celý text je v "
            "`export search {ref}`.",
        },
    },
    "md.help.hidden": {
        "en": {
            "one": "{n} more command needs a higher role.",
            "other": "{n} more commands need a higher role.",
        },
        "cs": {
            "one": "Další {n} příkaz vyžaduje vyšší roli.",
            "few": "Další {n} příkazy vyžadují vyšší roli.",
            "many": "Dalších {n} příkazu vyžaduje vyšší roli.",
            "other": "Dalších {n} příkazů vyžaduje vyšší roli.",
        },
    },
    "md.states.title": {
        "en": {
            "one": "**Control Hub user states** ({n} user)",
            "other": "**Control Hub user states** ({n} users)",
        },
        "cs": {
            "one": "**Stavy uživatelů v Control Hubu** ({n} uživatel)",
            "few": "**Stavy uživatelů v Control Hubu** ({n} uživatelé)",
            "many": "**Stavy uživatelů v Control Hubu** ({n} uživatele)",
            "other": "**Stavy uživatelů v Control Hubu** ({n} uživatelů)",
        },
    },
    "digest.customers_more": {
        "en": {
            "one": "…and {n} more customer: `templates` lists them all.",
            "other": "…and {n} more customers: `templates` lists them all.",
        },
        "cs": {
            "one": "…a další {n} zákazník: všechny vypíše `templates`.",
            "few": "…a další {n} zákazníci: všechny vypíše `templates`.",
            "many": "…a dalších {n} zákazníka: všechny vypíše `templates`.",
            "other": "…a dalších {n} zákazníků: všechny vypíše `templates`.",
        },
    },
    "digest.claims_within": {
        "en": {"one": "within {n} hour", "other": "within {n} hours"},
        "cs": {
            "one": "do {n} hodiny",
            "few": "do {n} hodin",
            "many": "do {n} hodiny",
            "other": "do {n} hodin",
        },
    },
    "digest.more_export": {
        "en": {
            "one": "…and {n} more: `{command}` sends the full list.",
            "other": "…and {n} more: `{command}` sends the full list.",
        },
        "cs": {
            "one": "…a další {n}: celý seznam pošle `{command}`.",
            "few": "…a další {n}: celý seznam pošle `{command}`.",
            "many": "…a dalších {n}: celý seznam pošle `{command}`.",
            "other": "…a dalších {n}: celý seznam pošle `{command}`.",
        },
    },
    "digest.more_stuck": {
        "en": {
            "one": "…and {n} more: `stuck {days}` lists them all.",
            "other": "…and {n} more: `stuck {days}` lists them all.",
        },
        "cs": {
            "one": "…a další {n}: všechny vypíše `stuck {days}`.",
            "few": "…a další {n}: všechny vypíše `stuck {days}`.",
            "many": "…a dalších {n}: všechny vypíše `stuck {days}`.",
            "other": "…a dalších {n}: všechny vypíše `stuck {days}`.",
        },
    },
    "lifecycle.days": {
        "en": {"one": "{n} day", "other": "{n} days"},
        "cs": {"one": "{n} den", "few": "{n} dny", "many": "{n} dne", "other": "{n} dní"},
    },
    "md.status.title": {
        "en": {
            "one": "**Users: {filters}** — {total} found, page {page}/{pages}",
            "other": "**Users: {filters}** — {total} found, page {page}/{pages}",
        },
        "cs": {
            "one": "**Uživatelé: {filters}** — nalezen {total}, strana {page}/{pages}",
            "few": "**Uživatelé: {filters}** — nalezeni {total}, strana {page}/{pages}",
            "many": "**Uživatelé: {filters}** — nalezeno {total}, strana {page}/{pages}",
            "other": "**Uživatelé: {filters}** — nalezeno {total}, strana {page}/{pages}",
        },
    },
    "md.confirm.resend": {
        "en": {
            "one": "**{action}** to {count} user: {target}?",
            "other": "**{action}** to {count} users: {target}?",
        },
        "cs": {
            "one": "**{action}** {count} uživateli: {target}?",
            "few": "**{action}** {count} uživatelům: {target}?",
            "many": "**{action}** {count} uživatele: {target}?",
            "other": "**{action}** {count} uživatelům: {target}?",
        },
    },
    "user.ambiguous": {
        "en": {
            "one": "`{ref}` matches {count} user ({ids}). Use the BroadWorks user ID instead.",
            "other": "`{ref}` matches {count} users ({ids}). Use the BroadWorks user ID instead.",
        },
        "cs": {
            "one": "`{ref}` odpovídá {count} uživateli ({ids}). Použijte raději ID BroadWorks.",
            "few": "`{ref}` odpovídá {count} uživatelům ({ids}). Použijte raději ID BroadWorks.",
            "many": "`{ref}` odpovídá {count} uživatele ({ids}). Použijte raději ID BroadWorks.",
            "other": "`{ref}` odpovídá {count} uživatelům ({ids}). Použijte raději ID BroadWorks.",
        },
    },
    "ops.refresh_token_expiring": {
        "en": {
            form: (
                f"**The bot's admin access runs out in {{n}} {unit}** ({{date}}): the OAuth "
                "refresh token of its integration expires then, and subscriber and user commands "
                "will stop working. Authorize the integration again as the partner administrator "
                "and set the new refresh token (`WEBEX_REFRESH_TOKEN`), then restart the bot."
            )
            for form, unit in (("one", "day"), ("other", "days"))
        },
        "cs": {
            form: (
                f"**Administrátorský přístup bota vyprší za {{n}} {unit}** ({{date}}): tehdy "
                "vyprší obnovovací token OAuth jeho integrace a příkazy pro předplatitele a "
                "uživatele přestanou fungovat. Autorizujte integraci znovu jako partnerský "
                "administrátor, nastavte nový obnovovací token (`WEBEX_REFRESH_TOKEN`) a bota "
                "restartujte."
            )
            for form, unit in (("one", "den"), ("few", "dny"), ("many", "dne"), ("other", "dní"))
        },
    },
    "trend.bad_days": {
        "en": {
            "one": "{n} day is out of range: from 2 to {most}.",
            "other": "{n} days is out of range: from 2 to {most}.",
        },
        "cs": {form: "Počet dní {n} je mimo rozsah: od 2 do {most}." for form in CS_FORMS},
    },
    "trend.title": {
        "en": {"one": "Users per status, the last day", "other": "Users per status, last {n} days"},
        "cs": {
            "one": "Uživatelé podle stavu, poslední den",
            "few": "Uživatelé podle stavu, poslední {n} dny",
            "many": "Uživatelé podle stavu, posledních {n} dne",
            "other": "Uživatelé podle stavu, posledních {n} dní",
        },
    },
    "trend.title_of": {
        "en": {
            "one": "Users of {customer} per status, the last day",
            "other": "Users of {customer} per status, last {n} days",
        },
        "cs": {
            "one": "Uživatelé zákazníka {customer} podle stavu, poslední den",
            "few": "Uživatelé zákazníka {customer} podle stavu, poslední {n} dny",
            "many": "Uživatelé zákazníka {customer} podle stavu, posledních {n} dne",
            "other": "Uživatelé zákazníka {customer} podle stavu, posledních {n} dní",
        },
    },
}

# --- retry file (i18n/catalog/bulk.py has the rest) ---------------------------------------------
COUNTED.update(
    {
        "bulk.too_many_rows": {
            "en": {
                "one": "The file has {n} row; `retry file` takes at most {rows} rows. Split it "
                "and send the parts one by one.",
                "other": "The file has {n} rows; `retry file` takes at most {rows} rows. Split "
                "it and send the parts one by one.",
            },
            "cs": {
                "one": "Soubor má {n} řádek; `retry file` vezme nejvýš {rows} řádků. Rozdělte "
                "ho a pošlete části postupně.",
                "few": "Soubor má {n} řádky; `retry file` vezme nejvýš {rows} řádků. Rozdělte "
                "ho a pošlete části postupně.",
                "many": "Soubor má {n} řádku; `retry file` vezme nejvýš {rows} řádků. Rozdělte "
                "ho a pošlete části postupně.",
                "other": "Soubor má {n} řádků; `retry file` vezme nejvýš {rows} řádků. Rozdělte "
                "ho a pošlete části postupně.",
            },
        },
        "bulk.preview.title": {
            "en": {"one": "{file}: {n} row checked", "other": "{file}: {n} rows checked"},
            "cs": {
                "one": "{file}: zkontrolován {n} řádek",
                "few": "{file}: zkontrolovány {n} řádky",
                "many": "{file}: zkontrolováno {n} řádku",
                "other": "{file}: zkontrolováno {n} řádků",
            },
        },
        "bulk.preview.ready": {
            "en": {
                "one": "✅ **{n}** user is ready to retry.",
                "other": "✅ **{n}** users are ready to retry.",
            },
            "cs": {
                "one": "✅ **{n}** uživatel je připraven k opakování.",
                "few": "✅ **{n}** uživatelé jsou připraveni k opakování.",
                "many": "✅ **{n}** uživatele je připraveno k opakování.",
                "other": "✅ **{n}** uživatelů je připraveno k opakování.",
            },
        },
        "bulk.preview.refused": {
            "en": {
                "one": "⛔ **{n}** row is refused and will not be run:",
                "other": "⛔ **{n}** rows are refused and will not be run:",
            },
            "cs": {
                "one": "⛔ **{n}** řádek je odmítnut a nespustí se:",
                "few": "⛔ **{n}** řádky jsou odmítnuty a nespustí se:",
                "many": "⛔ **{n}** řádku je odmítnuto a nespustí se:",
                "other": "⛔ **{n}** řádků je odmítnuto a nespustí se:",
            },
        },
        "bulk.preview.more": {
            "en": {
                "one": "…and {n} more refused row, in the file.",
                "other": "…and {n} more refused rows, in the file.",
            },
            "cs": {
                "one": "…a další {n} odmítnutý řádek, v souboru.",
                "few": "…a další {n} odmítnuté řádky, v souboru.",
                "many": "…a dalších {n} odmítnutého řádku, v souboru.",
                "other": "…a dalších {n} odmítnutých řádků, v souboru.",
            },
        },
        "bulk.started": {
            "en": {
                "one": "▶️ Retrying {n} user, {at_once} at a time. Progress follows here.",
                "other": "▶️ Retrying {n} users, {at_once} at a time. Progress follows here.",
            },
            "cs": {
                "one": "▶️ Opakuji aktivaci {n} uživatele, {at_once} najednou. Průběh sem "
                "budu psát.",
                "few": "▶️ Opakuji aktivaci {n} uživatelů, {at_once} najednou. Průběh sem "
                "budu psát.",
                "many": "▶️ Opakuji aktivaci {n} uživatele, {at_once} najednou. Průběh sem "
                "budu psát.",
                "other": "▶️ Opakuji aktivaci {n} uživatelů, {at_once} najednou. Průběh sem "
                "budu psát.",
            },
        },
        "bulk.result": {
            "en": {
                "one": "🏁 Retry file finished: **{n}** user retried.",
                "other": "🏁 Retry file finished: **{n}** users retried.",
            },
            "cs": {
                "one": "🏁 Opakování ze souboru dokončeno: opakováno u **{n}** uživatele.",
                "few": "🏁 Opakování ze souboru dokončeno: opakováno u **{n}** uživatelů.",
                "many": "🏁 Opakování ze souboru dokončeno: opakováno u **{n}** uživatele.",
                "other": "🏁 Opakování ze souboru dokončeno: opakováno u **{n}** uživatelů.",
            },
        },
    }
)
