"""The websocket intake end to end: the stand-in's socket in, threaded card replies out.

Real sockets throughout: the bot's ``websockets`` client against the stand-in's ``websockets``
server, the real webexpythonsdk for every REST call (checked against webex-messaging.json by the
``ws_webex`` fixture, catalog and WDM aside: they are not in the public spec).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from bot.events import correlation_id_of
from bot.local.emulator_websocket import raw_uuid
from bot.settings import AccessSettings
from storage.models import AuditEntryRow, ConfirmationRow, SubscriberRow
from tests.e2e.test_cards_e2e import submit_data, the_card
from tests.e2e.websocket_harness import (
    WebsocketBot,
    not_in_public_spec,
    serving_websocket_bot,
    ws_webex,
)
from tests.support.emulator import ADMIN_EMAIL, BOT_EMAIL, EmulatorHarness, eventually
from tests.support.served_bot import SUPPORT_EMAIL
from tests.support.specs import check_exchanges

__all__ = ["ws_webex"]
ACCESS = AccessSettings(admins=(ADMIN_EMAIL,), support=(SUPPORT_EMAIL,))


def replies_to(webex: EmulatorHarness, message_id: str) -> list[dict[str, Any]]:
    """The bot's thread replies to a message."""
    return [m for m in webex.emulator.replies_to(message_id) if m["personEmail"] == BOT_EMAIL]


def answers_in(webex: EmulatorHarness, room_id: str) -> list[dict[str, Any]]:
    """What the bot posted in a room."""
    return webex.emulator.messages_in(room_id, person_email=BOT_EMAIL)


def metric(served: WebsocketBot, name: str, labels: dict[str, str] | None = None) -> float:
    """A counter's value."""
    return served.metrics.value(name, labels)


def test_a_message_in_a_group_space_gets_one_threaded_card_reply(ws_webex, database, tmp_path):
    room = ws_webex.group_room()
    with serving_websocket_bot(ws_webex, database, tmp_path) as served:
        asked = ws_webex.emulator.send_as(ADMIN_EMAIL, room["id"], "status pending")
        reply = ws_webex.emulator.wait_for_message(
            room["id"], from_email=BOT_EMAIL, parent_id=asked["id"], timeout=20
        )
        the_card(reply)
        served.wait_settled()
        assert len(replies_to(ws_webex, asked["id"])) == 1
        (event,) = served.events()
        assert event.event_key == f"messages/created/{asked['id']}"  # the webhook's key
        assert event.payload["source"]["intake"] == "websocket"
        assert webhooks_used(ws_webex) == []
    catalog_and_wdm = [e for e in ws_webex.emulator.exchanges if not_in_public_spec(e)]
    assert [(e.method, e.path.split("/")[1]) for e in catalog_and_wdm][:2] == [
        ("GET", "u2c"),
        ("GET", "wdm"),
    ]
    rest = [e for e in ws_webex.emulator.exchanges if not not_in_public_spec(e)]
    assert check_exchanges(rest, "webex-messaging.json") == len(rest) > 0


def webhooks_used(webex: EmulatorHarness) -> list[str]:
    """Any webhook calls the bot made (the websocket intake needs none)."""
    return [e.path for e in webex.emulator.exchanges if e.path.startswith("/v1/webhooks")]


def test_a_message_in_a_1to1_space_gets_one_unthreaded_card_reply(ws_webex, database, tmp_path):
    room = ws_webex.direct_room()
    with serving_websocket_bot(ws_webex, database, tmp_path) as served:
        ws_webex.emulator.send_as(ADMIN_EMAIL, room["id"], "status pending")
        reply = ws_webex.emulator.wait_for_message(room["id"], from_email=BOT_EMAIL, timeout=20)
        the_card(reply)
        assert "parentId" not in reply
        served.wait_settled()
        assert len(answers_in(ws_webex, room["id"])) == 1
        # The bot's own reply came back over the socket too, and was not recorded as an event.
        assert len(served.events()) == 1
        assert metric(served, "onboard_websocket_events_total", {"outcome": "ignored"}) >= 1


def test_a_card_click_goes_through_the_access_check_and_single_use_tokens(
    ws_webex, database, tmp_path
):
    ws_webex.emulator.add_person(SUPPORT_EMAIL, "Sam Support")
    room = ws_webex.group_room("Ops", SUPPORT_EMAIL)
    with serving_websocket_bot(ws_webex, database, tmp_path, access=ACCESS) as served:
        user = served.provisioned_user()
        asked = ws_webex.emulator.send_as(ADMIN_EMAIL, room["id"], f"status {user.email}")
        detail = ws_webex.emulator.wait_for_message(
            room["id"], from_email=BOT_EMAIL, parent_id=asked["id"], timeout=20
        )
        delete = submit_data(the_card(detail), "user.delete")

        # Support may not delete: refused, and nothing asked of the provider.
        ws_webex.emulator.click(SUPPORT_EMAIL, detail["id"], delete)
        refused = ws_webex.emulator.wait_for_message(
            room["id"], from_email=BOT_EMAIL, after=detail["id"], timeout=20
        )
        assert "role; yours is" in refused["markdown"]
        assert served.rows(ConfirmationRow) == []
        (entry,) = served.audit(AuditEntryRow.actor == SUPPORT_EMAIL)
        assert (entry.via, entry.action, entry.result) == ("card", "user.delete", "refused")

        ws_webex.emulator.click(ADMIN_EMAIL, detail["id"], delete)
        asking = ws_webex.emulator.wait_for_message(
            room["id"], from_email=BOT_EMAIL, after=refused["id"], timeout=20
        )
        confirm = submit_data(the_card(asking), "confirm")
        ws_webex.emulator.click(ADMIN_EMAIL, asking["id"], confirm)
        done = ws_webex.emulator.wait_for_message(
            room["id"], from_email=BOT_EMAIL, after=asking["id"], timeout=20
        )
        assert served.rows(SubscriberRow, SubscriberRow.id == user.id) == []

        ws_webex.emulator.click(ADMIN_EMAIL, asking["id"], confirm)  # the used token again
        again = ws_webex.emulator.wait_for_message(
            room["id"], from_email=BOT_EMAIL, after=done["id"], timeout=20
        )
        assert "already been used" in again["markdown"]
        deleted = served.audit(AuditEntryRow.action == "service.delete")
        assert [e.result for e in deleted] == ["ok"]
        (token,) = served.rows(ConfirmationRow)
        assert token.used_at is not None
        keys = {e.event_key.split("/")[0] for e in served.events()}
        assert keys == {"messages", "attachmentActions"}


def test_a_drop_mid_burst_of_100_messages_from_10_spaces_loses_none_and_doubles_none(
    ws_webex, database, tmp_path
):
    # Ten people, one space each (five groups, five 1:1s): ten messages apiece stay under the
    # per-person rate limit, so every message deserves a real answer.
    authors = [f"person{i}@example.com" for i in range(10)]
    for i, email in enumerate(authors):
        ws_webex.emulator.add_person(email, f"Person {i}")
    rooms = [ws_webex.group_room(f"Space {i}", authors[i]) for i in range(5)]
    rooms += [
        ws_webex.emulator.create_room("direct", "direct", [email, BOT_EMAIL])
        for email in authors[5:]
    ]
    mercury = ws_webex.server.mercury
    with serving_websocket_bot(ws_webex, database, tmp_path) as served:
        asked = []
        for n in range(100):
            i = n % 10
            if n == 40:
                # The socket dies mid-burst, and Mercury is unavailable for two more tries.
                mercury.refuse_handshake(503, times=2)
                assert mercury.drop() == 1
                ws_webex.emulator.wait_for(lambda: mercury.connected() == 0)
            asked.append(ws_webex.emulator.send_as(authors[i], rooms[i]["id"], "help"))
        served.wait_connected(reconnects=1)

        expected = {correlation_id_of(f"messages/created/{a['id']}") for a in asked}

        def answered() -> Counter[str | None]:
            rows = [r for r in served.outbox() if r.status == "delivered"]
            counts = Counter(r.correlation_id for r in rows)
            return counts if expected <= set(counts) else Counter()

        replies = eventually(answered, timeout=60)
        served.wait_settled(delivered=100)
        # Some questions were pushed while no socket was open (the bot's own replies may be too).
        lost = {raw_uuid(a["id"]) for a in asked} & set(mercury.lost_activities)
        assert lost
        assert dict(Counter(answered().values())) == {1: 100}  # one reply per message
        assert sum(len(answers_in(ws_webex, r["id"])) for r in rooms) == 100
        groups = [a for a in asked if a["roomType"] == "group"]
        assert all(len(replies_to(ws_webex, a["id"])) == 1 for a in groups)  # threaded
        assert len(served.events()) == 100
        assert set(replies) == expected
        assert metric(served, "onboard_websocket_backfilled_messages_total") >= len(lost)
        assert metric(served, "onboard_websocket_reconnects_total") >= 1
