"""Watches (``watch errors``, ``watch stuck``, ``watch off``, ``watch``) and their alerts.

Counts are written as "label: n" so that no plural form is needed in Czech.
"""

MESSAGES: dict[str, dict[str, str]] = {
    "cmd.watch.help": {
        "en": "The watches of this space: what the bot posts here as soon as it happens.",
        "cs": "Hlídání v tomto prostoru: co sem bot pošle, jakmile se to stane.",
    },
    "cmd.watch_errors.help": {
        "en": "Post here within one sync interval when users newly enter error, several at once "
        "in one message with their error texts; `customer C` for one customer only.",
        "cs": "Poslat sem do jednoho intervalu synchronizace zprávu, když se uživatelé nově "
        "dostanou do chyby, více najednou v jedné zprávě s texty chyb; `customer C` jen pro "
        "jednoho zákazníka.",
    },
    "cmd.watch_stuck.help": {
        "en": "Post here when a Control Hub user crosses a stuck line: Not verified too long, a "
        "Delayed claim close to its deadline.",
        "cs": "Poslat sem zprávu, když uživatel Control Hubu překročí hranici uvíznutí: příliš "
        "dlouho Neověřeno, Odložený nárok blízko termínu.",
    },
    "cmd.watch_off.help": {
        "en": "Stop every watch of this space.",
        "cs": "Zastavit všechna hlídání v tomto prostoru.",
    },
    "arg.watch_words": {"en": "customer C", "cs": "customer C"},
    "watch.no_space": {
        "en": "Watches post to a space: ask in the space that should get the alerts.",
        "cs": "Hlídání posílá zprávy do prostoru: zeptejte se v prostoru, který má upozornění "
        "dostávat.",
    },
    "watch.bad_words": {
        "en": "Not understood: {words}. Write `watch errors` or `watch errors customer <id>`.",
        "cs": "Nerozumím: {words}. Napište `watch errors` nebo `watch errors customer <id>`.",
    },
    "watch.exists": {
        "en": "This space already has that watch (**#{id}**).",
        "cs": "Tento prostor už toto hlídání má (**#{id}**).",
    },
    "watch.kind.errors": {
        "en": "new errors, every customer",
        "cs": "nové chyby, všichni zákazníci",
    },
    "watch.kind.errors_of": {
        "en": "new errors of {customer}",
        "cs": "nové chyby zákazníka {customer}",
    },
    "watch.kind.stuck": {
        "en": "Control Hub users crossing a stuck line",
        "cs": "uživatelé Control Hubu, kteří překročí hranici uvíznutí",
    },
    "watch.saved": {
        "en": "✅ Watch **#{id}** on: {what}.",
        "cs": "✅ Hlídání **#{id}** zapnuto: {what}.",
    },
    "watch.stopped": {
        "en": "⏹️ Watches turned off: {n}.",
        "cs": "⏹️ Vypnutá hlídání: {n}.",
    },
    "watch.list.title": {"en": "**Watches of this space**", "cs": "**Hlídání v tomto prostoru**"},
    "watch.list.none": {
        "en": "None. `watch errors` or `watch stuck` starts one.",
        "cs": "Žádné. `watch errors` nebo `watch stuck` ho zapne.",
    },
    "watch.alert.errors": {
        "en": "🔔 **New in error: {n}** ({what})",
        "cs": "🔔 **Nově v chybě: {n}** ({what})",
    },
    "watch.alert.errors_next": {
        "en": "`why <user>` says what to do next.",
        "cs": "`why <user>` řekne, co dělat dál.",
    },
    "watch.alert.stuck": {
        "en": "🔔 **Newly stuck in Control Hub: {n}**",
        "cs": "🔔 **Nově uvízlí v Control Hubu: {n}**",
    },
    "watch.alert.stuck_next": {
        "en": "`why <user>` says what to do next; `resend` re-sends the invitations.",
        "cs": "`why <user>` řekne, co dělat dál; `resend` znovu pošle pozvánky.",
    },
    "watch.card.errors": {"en": "New in error: {n} ({what})", "cs": "Nově v chybě: {n} ({what})"},
    "watch.card.stuck": {
        "en": "Newly stuck in Control Hub: {n}",
        "cs": "Nově uvízlí v Control Hubu: {n}",
    },
    "watch.card.more": {
        "en": "More in the text of this message: {n}",
        "cs": "Další v textu této zprávy: {n}",
    },
}
