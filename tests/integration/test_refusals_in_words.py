"""Refusals name the command as typed or the button as labelled, and the role needed (issue 9.4).

Every card action and every command a viewer may not use is tried by a viewer, in English and in
Czech: the answer names what the person saw (never an internal action name such as
``user.delete``) and the role it needs.
"""

from __future__ import annotations

import pytest

import commands  # noqa: F401  (registers every command family)
from commands.registry import REGISTRY, Role
from i18n import entries, t
from tests.support.chat import SUPPORT, VIEWER, Chat

_GUARDED_ACTIONS = sorted(a.name for a in REGISTRY.actions() if a.role > Role.VIEWER)
_GUARDED_COMMANDS = sorted(c.name for c in REGISTRY.commands() if c.role > Role.VIEWER)


def test_every_card_action_has_a_button_label_in_both_languages():
    for action in REGISTRY.actions():
        entry = entries().get(f"button.{action.name}")
        assert entry is not None and entry.get("en") and entry.get("cs"), action.name


def test_there_is_something_to_refuse():
    assert {"user.delete", "user.retry", "user.error"} <= set(_GUARDED_ACTIONS)
    assert {"delete", "retry", "audit"} <= set(_GUARDED_COMMANDS)


@pytest.mark.parametrize("locale", ["en", "cs"])
@pytest.mark.parametrize("action", _GUARDED_ACTIONS)
def test_a_button_refusal_names_the_button_and_the_role(chat: Chat, action: str, locale: str):
    spec = REGISTRY.action(action)
    assert spec is not None
    said = chat.as_(VIEWER).click(action, {"user": "420555000001", "users": "a@x.example"})
    assert said.result == "refused"
    text = said.markdown_in(locale)
    assert t(f"button.{action}", locale) in text
    assert t(spec.role.key, locale) in text and t("role.viewer", locale) in text
    assert action not in text


def test_support_clicking_delete_hears_the_buttons_label(chat: Chat):
    said = chat.as_(SUPPORT).click("user.delete", {"user": "420555000001"})
    assert "**Delete user** needs the admin role; yours is support." in said.markdown
    assert "Tlačítko **Odstranit uživatele** vyžaduje roli správce" in said.markdown_in("cs")


@pytest.mark.parametrize("command", _GUARDED_COMMANDS)
def test_a_typed_refusal_names_the_command_and_the_role(chat: Chat, command: str):
    spec = REGISTRY.find(command)
    assert spec is not None
    said = chat.as_(VIEWER).say(command)
    assert said.result == "refused"
    for locale in ("en", "cs"):
        text = said.markdown_in(locale)
        assert f"`{command}`" in text and t(spec.role.key, locale) in text
