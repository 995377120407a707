"""Every user-facing string, in English and Czech, behind one lookup: ``t(key, locale, **params)``.

The catalog is split by area (``i18n/catalog/*.py``) only so that the files stay small; the keys
form one namespace, and a key defined twice is an error at import. A *counted* message
(``i18n/catalog/counts.py``) has one template per CLDR plural category of each language;
``t`` picks the one for its ``n`` (or ``count``, ``total``) through
:func:`i18n.numbers.plural_category`, the one plural rule of the bot. Counts (the parameters
named in ``COUNT_PARAMS``) are written with the locale's digit grouping, in every message.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from i18n.catalog import CATALOG, COUNTED
from i18n.numbers import number, plural_category

LOCALES = ("en", "cs")
DEFAULT_LOCALE = "en"

#: Parameters that hold a count or an amount: an ``int`` there is grouped per locale (12 345).
COUNT_PARAMS = frozenset(
    {"n", "count", "total", "hours", "days", "pages", "page", "rows", "seconds", "attempts"}
)
#: The parameter that chooses a counted message's form, in order of preference.
_CHOOSERS = ("n", "count", "total")


class _Missing(dict[str, object]):
    def __missing__(self, key: str) -> str:  # a missing parameter shows as {key}, never a crash
        return "{" + key + "}"


def with_counts(params: Mapping[str, object], locale: str) -> dict[str, object]:
    """``params`` with every count (a number named in ``COUNT_PARAMS``) written for ``locale``."""
    return {
        k: number(v, locale)
        if k in COUNT_PARAMS and isinstance(v, int | float) and not isinstance(v, bool)
        else v
        for k, v in params.items()
    }


def template(key: str, locale: str = DEFAULT_LOCALE, /, **params: object) -> str:
    """The unfilled template of ``key`` in ``locale`` (a counted one's form for its count)."""
    forms = COUNTED.get(key)
    if forms is not None:
        by_category = forms.get(locale) or forms[DEFAULT_LOCALE]
        count = next((params[c] for c in _CHOOSERS if isinstance(params.get(c), int | float)), 0)
        assert isinstance(count, int | float)
        category = plural_category(count, locale if locale in forms else DEFAULT_LOCALE)
        return by_category.get(category) or by_category["other"]
    entry = CATALOG.get(key)
    if entry is None:
        raise KeyError(f"no message {key!r} in the catalog")
    return entry.get(locale) or entry[DEFAULT_LOCALE]


def t(key: str, locale: str = DEFAULT_LOCALE, /, **params: object) -> str:
    """The text of ``key`` in ``locale`` (falling back to English), with ``params`` filled in."""
    text = template(key, locale, **params)
    return string.Formatter().vformat(text, (), _Missing(with_counts(params, locale)))


def has(key: str) -> bool:
    """True when ``key`` is in the catalog."""
    return key in CATALOG or key in COUNTED


def is_counted(key: str) -> bool:
    """True when ``key`` has one template per plural category."""
    return key in COUNTED


def placeholders(template: str) -> set[str]:
    """The named fields a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def entries() -> Mapping[str, Mapping[str, str]]:
    """The catalog's plain messages (for tests and tooling)."""
    return CATALOG


def counted() -> Mapping[str, Mapping[str, Mapping[str, str]]]:
    """The counted messages: key → locale → CLDR category → template (for tests and tooling)."""
    return COUNTED
