from __future__ import annotations

import re

import pytest

from i18n import LOCALES, counted, entries, placeholders, t
from i18n.catalog import states
from onboarding.model import ControlHubState

KEYS = sorted(entries())


@pytest.mark.parametrize("key", KEYS)
def test_entry_has_every_locale(key):
    entry = entries()[key]
    for locale in LOCALES:
        assert entry.get(locale, "").strip(), f"{key} has no {locale} text"


@pytest.mark.parametrize("key", KEYS)
def test_entry_has_the_same_placeholders_in_every_locale(key):
    entry = entries()[key]
    assert placeholders(entry["cs"]) == placeholders(entry["en"])


def test_czech_state_labels_are_the_articles_words():
    assert {s: t(f"state.{s.value}", "cs") for s in ControlHubState} == {
        ControlHubState.ACTIVE: "Aktivní",
        ControlHubState.VERIFIED: "Ověřeno",
        ControlHubState.NOT_VERIFIED: "Neověřeno",
        ControlHubState.INACTIVE: "Neaktivní",
        ControlHubState.DELAYED_CLAIM: "Odložený nárok",
    }


def test_english_state_labels_are_control_hubs():
    assert [t(f"state.{s.value}", "en") for s in ControlHubState] == [
        "Active",
        "Verified",
        "Not verified",
        "Inactive",
        "Delayed claim",
    ]


def test_state_messages_stay_in_their_namespace():
    assert states.MESSAGES
    assert all(key.startswith("lifecycle.") for key in states.MESSAGES)


def test_state_messages_do_not_spell_out_state_labels():
    # labels come from state.<value> through parameters, so each is spelled in one place only
    labels = [t(f"state.{s.value}", "cs") for s in ControlHubState]
    for key, entry in states.MESSAGES.items():
        for label in labels:
            assert label not in entry["cs"], (key, label)


# --- counted messages and English words in Czech ------------------------------------------------

COUNTED_KEYS = sorted(counted())


@pytest.mark.parametrize("key", COUNTED_KEYS)
def test_a_counted_message_has_every_locale_and_the_same_placeholders(key):
    forms = counted()[key]
    assert set(forms) == set(LOCALES), key
    used = {loc: set().union(*(placeholders(f) for f in forms[loc].values())) for loc in LOCALES}
    assert used["cs"] == used["en"], key
    for locale in LOCALES:
        for category, text in forms[locale].items():
            assert text.strip(), (key, locale, category)
            # only the count itself may be left out ("the last day")
            assert used[locale] - placeholders(text) <= {"n"}, (key, locale, category)


#: The domain's English words (status names, button labels, state names) that a Czech string
#: must never show: Czech replies use Partner Hub's and Control Hub's own labels.
ENGLISH_TERMS = (
    "provisioned",
    "pending request",
    "Retry activation",
    "Delete user",
    "Change package type",
    "Copy error text",
    "Exclude provisioned users",
    "Onboard",
    "Not verified",
    "Delayed claim",
    "Verified",
    "Inactive",
    "Active",
    "User Status",
    "Untrusted emails",
    "Share link",
    "Apply",
    "Cancel",
    "Confirm",
    "Previous page",
    "Next page",
)
_CODE = re.compile(r"`[^`]*`")


def _czech_texts():
    for key, entry in entries().items():
        yield key, entry["cs"]
    for key, forms in counted().items():
        for category, text in forms["cs"].items():
            yield f"{key}.{category}", text


@pytest.mark.parametrize(("key", "text"), sorted(_czech_texts()))
def test_a_czech_string_uses_no_english_term(key, text):
    # What people type stays as typed (code spans: `status pending`); the words around it are
    # Czech. "(i anglické názvy)" lists English names on purpose: the state argument's doc.
    prose = _CODE.sub("", text).replace("Active Directory", "")  # a product's name, not a state
    if key == "argdoc.state":
        return
    for term in ENGLISH_TERMS:
        assert not re.search(rf"\b{re.escape(term)}\b", prose), (key, term, text)
