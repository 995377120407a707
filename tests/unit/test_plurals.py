"""Every counted message reads right for any count, in both languages, by CLDR's rule.

The counted keys come from the catalog itself, so a new counted message is tested the day it
is written; a plain message that puts a noun after a count (one fixed form: "dalších 5
zákazníků" said for 2) fails here too.
"""

from __future__ import annotations

import re

import pytest
from babel import Locale
from babel.numbers import format_decimal

from i18n import COUNT_PARAMS, LOCALES, counted, entries, numbers, placeholders, t

COUNTS = (0, 1, 2, 5, 21, 1_000_000)
COUNTED = sorted(counted())


def _fill(template: str) -> dict[str, object]:
    return {name: f"<{name}>" for name in placeholders(template)}


@pytest.mark.parametrize("key", COUNTED)
@pytest.mark.parametrize("locale", LOCALES)
def test_a_counted_message_has_exactly_cldrs_categories(key: str, locale: str) -> None:
    expected = set(Locale.parse(locale).plural_form.tags) | {"other"}
    assert set(counted()[key][locale]) == expected


@pytest.mark.parametrize("key", COUNTED)
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("n", COUNTS)
def test_a_counted_message_takes_babels_form_for_the_count(key: str, locale: str, n: int) -> None:
    forms = counted()[key][locale]
    category = Locale.parse(locale).plural_form(n)
    chooser = next(c for c in ("n", "count", "total") if "{" + c + "}" in forms["other"])
    params = {k: v for k, v in _fill(forms["other"]).items() if k != chooser}
    shown = t(key, locale, **{chooser: n}, **params)
    expected = forms[category].format(**{chooser: format_decimal(n, locale=locale)}, **params)
    assert shown == expected
    if "{" + chooser + "}" in forms[category]:
        assert format_decimal(n, locale=locale) in shown


def test_czech_counts_take_three_forms_for_whole_numbers() -> None:
    assert [t("audit.entries", "cs", n=n) for n in (1, 2, 5, 0, 21)] == [
        "1 záznam",
        "2 záznamy",
        "5 záznamů",
        "0 záznamů",
        "21 záznamů",  # CLDR: 21 is "other" in Czech (unlike Polish or Russian)
    ]
    assert t("lifecycle.days", "cs", n=3) == "3 dny"
    assert t("digest.customers_more", "cs", n=2).startswith("…a další 2 zákazníci")


def test_numbers_are_grouped_as_the_locale_writes_them() -> None:
    # Babel's Czech group symbol is a no-break space (U+00A0): 12 345 never wraps in a chat.
    assert numbers.group_symbol("cs") == "\N{NO-BREAK SPACE}"
    assert t("digest.section.errors", "cs", n=12345) == "Chyby (12\N{NO-BREAK SPACE}345)"
    assert t("digest.section.errors", "en", n=12345) == "Errors (12,345)"
    assert (
        t("audit.entries", "cs", n=1_000_000)
        == "1\N{NO-BREAK SPACE}000\N{NO-BREAK SPACE}000 záznamů"
    )


def test_czech_cldr_other_is_named_other_not_many() -> None:
    # "many" is CLDR's form for fractions in Czech (1,5 dne); 0 and 5+ are "other".
    assert numbers.plural_category(5, "cs") == "other"
    assert numbers.plural_category(1.5, "cs") == "many"
    assert t("lifecycle.days", "cs", n=1.5) == "1,5 dne"


#: A count in a plain (uncounted) template followed by a word, or after "dalších": the words
#: would agree with one count only.
_FIXED_FORM = re.compile(
    r"\{(n|count|total|hours)\}\s+(?!(?:min|h|s|of|z)\b)[^\W\d_]"
    r"|dalších \{"
    # ``days`` is mostly words already ("3 dny", from lifecycle.days); a day noun after it is not
    r"|\{days\}\s+(days?|den|dny|dní|dnů|dnech)\b"
)


@pytest.mark.parametrize("key", sorted(entries()))
def test_a_plain_message_never_words_a_count(key: str) -> None:
    for locale in LOCALES:
        template = entries()[key][locale]
        assert not _FIXED_FORM.search(template), (key, locale, template)


def _counted_params(template: str) -> set[str]:
    return placeholders(template) & COUNT_PARAMS


@pytest.mark.parametrize("key", sorted(k for k, e in entries().items() if _counted_params(e["en"])))
@pytest.mark.parametrize("locale", LOCALES)
def test_every_count_in_a_plain_message_is_grouped_per_locale(key: str, locale: str) -> None:
    template = entries()[key][locale]
    params: dict[str, object] = {name: f"<{name}>" for name in placeholders(template)}
    params.update({name: 1_000_000 for name in _counted_params(template)})
    assert numbers.number(1_000_000, locale) in t(key, locale, **params)
