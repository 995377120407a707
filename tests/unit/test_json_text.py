"""A card keeps the JSON text it was encoded as, and is still the card."""

from __future__ import annotations

import json

import pytest

import commands  # noqa: F401  (fills the registry)
from bot.replies import render
from commands import views as v
from commands.registry import REGISTRY, Role
from commands.replies import Reply
from storage.json_text import EncodedJSON, dumps


def test_a_card_is_encoded_once_and_keeps_its_text() -> None:
    card = {"type": "AdaptiveCard", "body": [{"type": "TextBlock", "text": "Stav uživatelů"}]}
    encoded = EncodedJSON.of(card)
    assert encoded == card and json.loads(encoded.text) == card
    assert EncodedJSON.of(encoded) is encoded  # not encoded again
    assert dumps(encoded) is encoded.text
    assert dumps(card) == json.dumps(card) and dumps([1, None]) == "[1, null]"
    assert json.dumps({"content": encoded}) == json.dumps({"content": card})  # still a dict


def test_parse_keeps_the_text_and_wants_an_object() -> None:
    text = '{"a": [1, 2]}'
    parsed = EncodedJSON.parse(text)
    assert parsed == {"a": [1, 2]} and parsed.text == text
    with pytest.raises(ValueError):
        EncodedJSON.parse("[1, 2]")


def test_the_help_card_comes_with_its_text_each_time_a_copy_of_its_own() -> None:
    view = v.HelpView(REGISTRY.commands(), Role.ADMIN, 0)
    first, again = render(Reply(view), "cs").card, render(Reply(view), "cs").card
    assert isinstance(first, EncodedJSON) and json.loads(first.text) == first
    assert first == again and first is not again
    assert first.text is again.text  # worded and encoded once, for every later help
