"""The bot's own cards through Webex: loopback HTTP, the stand-in and the real SDK (``http_chat``).

A signed webhook gets a threaded reply that carries a valid Adaptive Card; the buttons of that
card are clicked the way Webex delivers clicks (``attachmentActions``) by the person who clicks:
a used *Delete user* confirmation does nothing the second time, and the clicker's role governs,
not the role of whoever asked for the card.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from bot.settings import AccessSettings
from onboarding.model import Subscriber
from onboarding.providers.base import ActionOutcome
from storage.models import AuditEntryRow, ConfirmationRow, SubscriberRow
from tests.support.emulator import ADMIN_EMAIL, EmulatorHarness
from tests.support.http_chat import HttpChat
from tests.support.served_bot import SUPPORT_EMAIL, ServedBot, bodies
from tests.support.specs import CARD_CONTENT_TYPE, assert_webex_card_attachment, specs_dir
from tests.unit.test_cards import walk

ACCESS = AccessSettings(admins=(ADMIN_EMAIL,), support=(SUPPORT_EMAIL,))


@pytest.fixture(autouse=True)
def _specs() -> None:
    """The card checks need the Adaptive Cards schema (skipped or failed without it)."""
    specs_dir()


def the_card(message: Mapping[str, Any]) -> dict[str, Any]:
    """The one Adaptive Card of a message, checked as Webex wants it."""
    attachments = message.get("attachments") or []
    assert len(attachments) == 1, f"expected one card, got {attachments!r}"
    assert_webex_card_attachment(attachments[0])
    content: dict[str, Any] = attachments[0]["content"]
    return content


def submit_data(card: Mapping[str, Any], action: str) -> dict[str, Any]:
    """The data of the card's ``Action.Submit`` for ``action`` (also inside show-cards)."""
    stack: list[Any] = [card]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            data = node.get("data")
            submit = node.get("type") == "Action.Submit"
            if submit and isinstance(data, Mapping) and data.get("action") == action:
                return dict(data)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    raise AssertionError(f"no {action!r} button on the card")


@pytest.fixture
def deletes(served: ServedBot, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Subscriber ids the provider was asked to delete (the sandbox still deletes them)."""
    calls: list[str] = []
    provider = served.bot.provider
    real = provider.delete_subscriber

    def counting(subscriber: Subscriber) -> ActionOutcome:
        calls.append(subscriber.id)
        return real(subscriber)

    monkeypatch.setattr(provider, "delete_subscriber", counting)
    return calls


@pytest.fixture
def http_chat_access() -> AccessSettings:
    """An admin and a support person."""
    return ACCESS


@pytest.fixture
def served(http_chat: HttpChat) -> ServedBot:
    """The bot ``http_chat`` talks to."""
    return http_chat.served


@pytest.fixture
def room(http_chat: HttpChat) -> str:
    """A group room with the admin and the support person."""
    return http_chat.room("Ops", SUPPORT_EMAIL)


def ask_for_detail(http_chat: HttpChat, room: str) -> tuple[SubscriberRow, dict[str, Any]]:
    """Admin asks ``status <user>`` for a provisioned user; returns the user and the card reply."""
    user = http_chat.served.provisioned_user()
    return user, http_chat.say(f"status {user.email}", space=room).reply


def test_a_signed_webhook_gets_a_threaded_reply_with_a_valid_card(
    webex: EmulatorHarness, http_chat: HttpChat, room: str
) -> None:
    said = http_chat.say("status pending", space=room)
    asked, reply = said.asked, said.reply
    assert reply["parentId"] == asked["id"]
    assert webex.emulator.deliveries()[0].status == 200  # the signed webhook was accepted
    card = the_card(reply)
    assert card["version"] == "1.3"
    assert submit_data(card, "user.status")["user"]  # Open, with the first user picked
    assert submit_data(card, "status.list")  # the page buttons (and the filter form's Apply)
    titles = [n.get("title", "") for n in walk(card)]
    assert any(title.startswith("Next page") for title in titles), titles
    assert "pending" in reply["markdown"].lower()  # with its markdown fallback
    # What the bot sent, and what Webex hands back to any client, is the same card.
    (sent,) = [b for b in bodies(webex, "POST", "/v1/messages") if isinstance(b, dict)]
    assert sent["parentId"] == asked["id"]
    assert sent["attachments"][0]["contentType"] == CARD_CONTENT_TYPE
    fetched = webex.sdk().messages.get(reply["id"])
    assert fetched.parentId == asked["id"]
    assert fetched.attachments[0]["content"] == card


def test_a_used_delete_confirmation_does_nothing_the_second_time(
    http_chat: HttpChat, served: ServedBot, room: str, deletes: list[str]
) -> None:
    user, detail = ask_for_detail(http_chat, room)
    asking = http_chat.click(detail, submit_data(the_card(detail), "user.delete")).reply
    confirm = submit_data(the_card(asking), "confirm")
    assert deletes == []  # Delete only asks

    done = http_chat.click(asking, confirm).reply
    the_card(done)
    assert deletes == [user.id]
    assert served.rows(SubscriberRow, SubscriberRow.id == user.id) == []

    # The same Confirm button again, as from an old or forwarded card.
    again = http_chat.click(asking, confirm).reply
    assert "already been used" in again["markdown"]
    assert "Nothing was done" in again["markdown"]
    the_card(again)
    assert [r.status for r in served.outbox()] == ["delivered"] * 4
    assert deletes == [user.id]  # the provider was called once
    assert [e.result for e in served.audit(AuditEntryRow.action == "service.delete")] == ["ok"]
    (row,) = served.rows(ConfirmationRow)
    assert row.used_at is not None


def test_the_clickers_role_governs_not_the_askers(
    http_chat: HttpChat, served: ServedBot, room: str, deletes: list[str]
) -> None:
    user, detail = ask_for_detail(http_chat, room)
    delete = submit_data(the_card(detail), "user.delete")  # the admin's card offers Delete

    refused = http_chat.click(detail, delete, as_=SUPPORT_EMAIL).reply
    assert "role; yours is" in refused["markdown"]
    assert served.rows(ConfirmationRow) == []
    (entry,) = served.audit(AuditEntryRow.actor == SUPPORT_EMAIL)
    assert (entry.via, entry.action, entry.result) == ("card", "user.delete", "refused")

    # Support may use what support may do on that same card: the error text.
    shown = http_chat.click(detail, {"action": "user.error", "user": user.id}, as_=SUPPORT_EMAIL)
    shown = shown.reply
    assert "role; yours is" not in shown["markdown"]

    # The admin's click on the very same button asks to confirm, as it should.
    asking = http_chat.click(detail, delete).reply
    submit_data(the_card(asking), "confirm")
    (row,) = served.rows(ConfirmationRow)
    assert row.person == ADMIN_EMAIL
    assert deletes == []
