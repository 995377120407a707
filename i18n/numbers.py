"""Plural categories, numbers, dates and times per locale, from CLDR through Babel.

Every count in a message reaches its words through :func:`plural_category`; every number
shown to a person through :func:`number`. Czech groups thousands with Babel's group symbol
for ``cs`` (a no-break space, so 12 345 never breaks across lines in a chat client); English
with a comma.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from babel.numbers import format_decimal, get_group_symbol

__all__ = [
    "DEFAULT_ZONE",
    "categories",
    "display_zone",
    "group_symbol",
    "moment",
    "number",
    "plural_category",
    "set_display_zone",
]

#: Where times are shown to people unless something has its own zone (a digest's schedule).
DEFAULT_ZONE = "Europe/Prague"
_display = [DEFAULT_ZONE]  # one per process: the bot's ``timezone`` setting (bot.bootstrap)


def set_display_zone(zone: str) -> None:
    """Show people's times in the IANA ``zone`` from now on (``build_bot`` sets the setting)."""
    ZoneInfo(zone)  # an unknown zone fails here, never halfway through a reply
    _display[0] = zone


def display_zone() -> str:
    """The IANA zone people's times are shown in (the ``timezone`` setting)."""
    return _display[0]


@cache
def _locale(locale: str) -> Locale:
    return Locale.parse(locale)


def categories(locale: str) -> frozenset[str]:
    """CLDR's plural categories of ``locale``, ``other`` included (cs: one, few, many, other)."""
    return frozenset(_locale(locale).plural_form.tags) | {"other"}


def plural_category(n: int | float, locale: str) -> str:
    """CLDR's category of ``n`` in ``locale``: 1 → one, 2-4 → few, 5 and 0 → other in Czech."""
    return str(_locale(locale).plural_form(n))


def number(n: int | float, locale: str) -> str:
    """``n`` as ``locale`` writes it: 12,345 in English, 12 345 in Czech."""
    return str(format_decimal(n, locale=_locale(locale)))


def group_symbol(locale: str) -> str:
    """The thousands separator of ``locale`` (Babel's, a no-break space in Czech)."""
    return str(get_group_symbol(_locale(locale)))


def moment(when: datetime, pattern: str, locale: str, timezone: str | None = None) -> str:
    """``when`` in ``timezone`` (default: :func:`display_zone`), with the CLDR date ``pattern``.

    Stored times are UTC; a naive one (SQLite hands those back) is taken as UTC, not local time.
    """
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    zone = ZoneInfo(timezone or display_zone())
    return str(format_datetime(when, pattern, tzinfo=zone, locale=_locale(locale)))
