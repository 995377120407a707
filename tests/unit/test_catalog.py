from __future__ import annotations

import pytest

from i18n import LOCALES, entries, placeholders, t
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
