"""Roles through Webex itself: a card clicked by each role, another org, a space not allowed.

The bot runs over loopback HTTP against the stand-in (the ``http_chat`` fixture); the card is posted
by the bot's token, as an old or forwarded card would be, and clicked by people of each role.
"""

from __future__ import annotations

from typing import Any

import pytest

import tests.integration.test_access_harness  # noqa: F401  (the audit command and its messages)
from bot.settings import AccessSettings
from storage.models import AuditEntryRow
from tests.support.emulator import ADMIN_EMAIL, BOT_EMAIL
from tests.support.http_chat import HttpChat
from tests.support.served_bot import serving_bot

SUPPORT = "sam.support@example.com"
VIEWER = "vic.viewer@example.com"


CARD_ACCESS = AccessSettings(admins=(ADMIN_EMAIL,), support=(SUPPORT,), viewers=("*@example.com",))


def _card(data: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "version": "1.3",
        "body": [{"type": "TextBlock", "text": "A card"}],
        "actions": [{"type": "Action.Submit", "title": d["action"], "data": d} for d in data],
    }


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (ADMIN_EMAIL, {"user.delete", "user.error", "status.list"}),
        (SUPPORT, {"user.error", "status.list"}),
        (VIEWER, {"status.list"}),
    ],
    ids=["admin", "support", "viewer"],
)
@pytest.mark.parametrize("http_chat_access", [CARD_ACCESS], ids=["roles"])
def test_a_clicked_card_is_judged_by_the_clickers_role(http_chat, who, allowed):
    room_id = http_chat.room("Ops", SUPPORT, VIEWER)
    user = http_chat.served.provisioned_user()
    buttons = [
        {"action": "user.delete", "user": user.email},
        {"action": "user.error", "user": user.email},
        {"action": "status.list", "filters": "errors"},
    ]
    posted = http_chat.post_card(_card(buttons), space=room_id)
    replies = [http_chat.click(posted, data, as_=who).markdown for data in buttons]
    entries = http_chat.audit(AuditEntryRow.via == "card", _pipeline())
    assert [e.actor for e in entries] == [who] * 3
    got = {e.action for e in entries if e.result != "refused"}
    assert got == allowed
    refusals = [r for r in replies if "role; yours is" in r]
    assert len(refusals) == 3 - len(allowed)
    assert http_chat.audit(AuditEntryRow.action == "service.delete") == []  # asks first


def _pipeline() -> Any:
    return AuditEntryRow.action.not_like("service.%")


def test_people_of_another_org_are_refused_and_logged(webex, database, tmp_path, caplog):
    outsider = "olga@other.example"
    webex.emulator.add_person(outsider, "Olga Outsider", org_id="OTHER-ORG")
    room = webex.group_room("Mixed", outsider)
    home_org = webex.emulator.person(ADMIN_EMAIL)["orgId"]
    access = AccessSettings(admins=(ADMIN_EMAIL, outsider), orgs=(home_org,))
    with serving_bot(webex, database, tmp_path, access=access) as served:
        chat = HttpChat(webex, served, room["id"])
        refused_reply = chat.say("status", as_=outsider)
        assert "only people of its own Webex organization" in refused_reply.markdown
        chat.say("status")
        (refused,) = served.audit(AuditEntryRow.actor == outsider)
        assert (refused.result, refused.detail) == ("refused", "access.other_org")
        (ok,) = served.audit(AuditEntryRow.actor == ADMIN_EMAIL)
        assert ok.result == "ok"
    assert any("access.other_org" in r.getMessage() for r in caplog.records)


def test_a_space_not_allowed_gets_one_polite_refusal(webex, database, tmp_path):
    allowed_room = webex.group_room("Allowed")
    other_room = webex.group_room("Someone added the bot here")
    access = AccessSettings(admins=(ADMIN_EMAIL,), allowed_spaces=(allowed_room["id"],))
    with serving_bot(webex, database, tmp_path, access=access) as served:
        chat = HttpChat(webex, served, allowed_room["id"])
        # One refusal for the space, then silence: later messages there get no answer at all.
        answers = [chat.say("status", space=other_room["id"])]
        answers += [
            chat.say(t, space=other_room["id"], replies=0) for t in ("help", "delete x@y.example")
        ]
        assert [len(a.replies) for a in answers] == [1, 0, 0]
        chat.say("status")
        said = webex.emulator.messages_in(other_room["id"], person_email=BOT_EMAIL)
        assert len(said) == 1
        assert "not enabled for this space" in said[0]["markdown"]
        entries = served.audit(AuditEntryRow.space_id == other_room["id"])
        assert [e.result for e in entries] == ["refused"] * 3
