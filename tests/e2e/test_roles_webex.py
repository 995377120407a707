"""Roles through Webex itself: a card clicked by each role, another org, a space not allowed.

The bot runs over loopback HTTP against the emulator (helper-7's harness); the card is posted by
the bot's token, as an old or forwarded card would be, and clicked by people of each role.
"""

from __future__ import annotations

from typing import Any

import pytest

import tests.integration.test_access_harness  # noqa: F401  (the audit command and its messages)
from bot.settings import AccessSettings
from storage.models import AuditEntryRow
from tests.e2e.test_webhook_harness import serving_bot
from tests.support.emulator import ADMIN_EMAIL, BOT_EMAIL, eventually

SUPPORT = "sam.support@example.com"
VIEWER = "vic.viewer@example.com"
CARD = "application/vnd.microsoft.card.adaptive"


def _post_card(webex: Any, room_id: str, data: list[dict[str, Any]]) -> Any:
    card = {
        "type": "AdaptiveCard",
        "version": "1.3",
        "body": [{"type": "TextBlock", "text": "A card"}],
        "actions": [{"type": "Action.Submit", "title": d["action"], "data": d} for d in data],
    }
    return webex.sdk().messages.create(
        roomId=room_id, markdown="card", attachments=[{"contentType": CARD, "content": card}]
    )


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (ADMIN_EMAIL, {"user.delete", "user.error", "status.list"}),
        (SUPPORT, {"user.error", "status.list"}),
        (VIEWER, {"status.list"}),
    ],
    ids=["admin", "support", "viewer"],
)
def test_a_clicked_card_is_judged_by_the_clickers_role(webex, database, tmp_path, who, allowed):
    webex.emulator.add_person(SUPPORT, "Sam Support")
    webex.emulator.add_person(VIEWER, "Vic Viewer")
    room = webex.group_room("Ops", SUPPORT, VIEWER)
    access = AccessSettings(admins=(ADMIN_EMAIL,), support=(SUPPORT,), viewers=("*@example.com",))
    with serving_bot(webex, database, tmp_path, access=access) as served:
        user = served.provisioned_user()
        buttons = [
            {"action": "user.delete", "user": user.email},
            {"action": "user.error", "user": user.email},
            {"action": "status.list", "filters": "errors"},
        ]
        posted = _post_card(webex, room["id"], buttons)
        for n, data in enumerate(buttons, start=1):
            webex.emulator.click(who, posted.id, data)
            eventually(lambda n=n: len(served.audit(AuditEntryRow.via == "card", _pipeline())) >= n)
        served.wait_settled(delivered=len(buttons))
        entries = served.audit(AuditEntryRow.via == "card", _pipeline())
        assert [e.actor for e in entries] == [who] * 3
        got = {e.action for e in entries if e.result != "refused"}
        assert got == allowed
        replies = [
            m["markdown"]
            for m in webex.emulator.messages_in(room["id"], person_email=BOT_EMAIL)
            if m["id"] != posted.id
        ]
        refusals = [r for r in replies if "role; yours is" in r]
        assert len(refusals) == 3 - len(allowed)
        assert served.audit(AuditEntryRow.action == "service.delete") == []  # asks first


def _pipeline() -> Any:
    return AuditEntryRow.action.not_like("service.%")


def test_people_of_another_org_are_refused_and_logged(webex, database, tmp_path, caplog):
    outsider = "olga@other.example"
    webex.emulator.add_person(outsider, "Olga Outsider", org_id="OTHER-ORG")
    room = webex.group_room("Mixed", outsider)
    home_org = webex.emulator.person(ADMIN_EMAIL)["orgId"]
    access = AccessSettings(admins=(ADMIN_EMAIL, outsider), orgs=(home_org,))
    with serving_bot(webex, database, tmp_path, access=access) as served:
        webex.emulator.send_as(outsider, room["id"], "status")
        reply = webex.emulator.wait_for_message(room["id"], from_email=BOT_EMAIL)
        assert "only people of its own Webex organization" in reply["markdown"]
        webex.emulator.send_as(ADMIN_EMAIL, room["id"], "status")
        served.wait_settled(delivered=2)
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
        for text in ("status", "help", "delete x@y.example"):
            webex.emulator.send_as(ADMIN_EMAIL, other_room["id"], text)
        eventually(lambda: len(served.audit(AuditEntryRow.space_id == other_room["id"])) == 3)
        webex.emulator.send_as(ADMIN_EMAIL, allowed_room["id"], "status")
        webex.emulator.wait_for_message(allowed_room["id"], from_email=BOT_EMAIL)
        webex.emulator.wait_idle()
        said = webex.emulator.messages_in(other_room["id"], person_email=BOT_EMAIL)
        assert len(said) == 1
        assert "not enabled for this space" in said[0]["markdown"]
        entries = served.audit(AuditEntryRow.space_id == other_room["id"])
        assert [e.result for e in entries] == ["refused"] * 3
