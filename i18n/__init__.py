"""Every user-facing string, in English and Czech, behind one lookup: ``t(key, locale, **params)``.

The catalog is split by area (``i18n/catalog/*.py``) only so that the files stay small; the keys
form one namespace, and a key defined twice is an error at import.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from i18n.catalog import CATALOG

LOCALES = ("en", "cs")
DEFAULT_LOCALE = "en"


class _Missing(dict[str, object]):
    def __missing__(self, key: str) -> str:  # a missing parameter shows as {key}, never a crash
        return "{" + key + "}"


def t(key: str, locale: str = DEFAULT_LOCALE, /, **params: object) -> str:
    """The text of ``key`` in ``locale`` (falling back to English), with ``params`` filled in."""
    entry = CATALOG.get(key)
    if entry is None:
        raise KeyError(f"no message {key!r} in the catalog")
    template = entry.get(locale) or entry[DEFAULT_LOCALE]
    return string.Formatter().vformat(template, (), _Missing(params))


def has(key: str) -> bool:
    """True when ``key`` is in the catalog."""
    return key in CATALOG


def placeholders(template: str) -> set[str]:
    """The named fields a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def entries() -> Mapping[str, Mapping[str, str]]:
    """The whole catalog (for tests and tooling)."""
    return CATALOG
