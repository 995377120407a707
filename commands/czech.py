"""Every command's Czech names: what a Czech team types (``stav nevyřízené``, ``opakovat``).

Typed with or without diacritics, in any case (the registry folds names). The first name is
the one Czech help shows; English names keep working everywhere. A test walks the registry, so
a command without a Czech name fails it.
"""

from __future__ import annotations

from collections.abc import Mapping

from commands.registry import Registry

CZECH_NAMES: Mapping[str, tuple[str, ...]] = {
    "help": ("nápověda",),
    "status": ("stav",),
    "retry": ("opakovat", "opakovat aktivaci"),
    "retry file": ("opakovat soubor",),
    "delete": ("smazat", "odstranit"),
    "package": ("balíček",),
    "error": ("chyba", "text chyby"),
    "export": ("export", "exportovat"),  # Partner Hub's Czech label is "Export" too
    "template check": ("šablona",),
    "templates": ("šablony", "zákazníci"),
    "states": ("stavy",),
    "state": ("stav účtu",),
    "stuck": ("uvízlí",),
    "explain": ("vysvětli",),
    "resend": ("poslat znovu",),
    "digest": ("přehled", "přehledy"),
    "digest daily": ("přehled denně",),
    "digest weekdays": ("přehled všední",),
    "digest cron": ("přehled cron",),
    "digest off": ("přehled vypnout",),
    "digest now": ("přehled teď",),
    "confirm": ("potvrdit",),
    "cancel": ("zrušit",),
    "audit": ("audit", "záznam činností"),
    "language": ("jazyk",),
    "history": ("historie", "průběh"),
    "why": ("proč",),
    "watch": ("hlídat", "hlídání"),
    "watch errors": ("hlídat chyby",),
    "watch stuck": ("hlídat uvízlé",),
    "watch off": ("hlídat vypnout",),
    "trend": ("vývoj", "trend"),
}


def name_commands_in_czech(registry: Registry) -> None:
    """Register the Czech names of every command in ``registry``."""
    for name, czech in CZECH_NAMES.items():
        registry.name_in_czech(name, *czech)
