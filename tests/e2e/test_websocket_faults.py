"""The websocket intake under the faults users of other bots reported: it stays connected,
answers each message once, and stops only when Webex refuses it, saying why in /readyz."""

from __future__ import annotations

from typing import Any

import requests

from bot.wdm import DEVICE_NAME
from tests.e2e.websocket_harness import WebsocketBot, serving_websocket_bot, ws_webex
from tests.support.emulator import ADMIN_EMAIL, BOT_EMAIL, BOT_TOKEN, EmulatorHarness, eventually
from tests.support.served_bot import envelope

__all__ = ["ws_webex"]


def ask_and_wait(
    webex: EmulatorHarness, room: dict[str, Any], text: str = "help"
) -> dict[str, Any]:
    """Admin asks in a group space; returns the question once the bot's reply is there."""
    asked = webex.emulator.send_as(ADMIN_EMAIL, room["id"], text)
    webex.emulator.wait_for_message(
        room["id"], from_email=BOT_EMAIL, parent_id=asked["id"], timeout=20
    )
    return asked


def bot_replies(webex: EmulatorHarness, message_id: str) -> int:
    """How many thread replies the bot gave to a message."""
    return sum(1 for m in webex.emulator.replies_to(message_id) if m["personEmail"] == BOT_EMAIL)


def devices(webex: EmulatorHarness) -> list[dict[str, Any]]:
    """The bot's devices at the stand-in (over its WDM API, as the bot sees them)."""
    wdm = webex.server.u2c_url.replace("/u2c/api/v1", "/wdm/api/v1")
    answer = requests.get(
        f"{wdm}/devices", headers={"Authorization": f"Bearer {BOT_TOKEN}"}, timeout=5
    )
    found: list[dict[str, Any]] = answer.json()["devices"]
    return found


def test_an_envelope_delivered_twice_and_a_webhook_for_it_give_one_reply(
    ws_webex, database, tmp_path
):
    room = ws_webex.group_room()
    mercury = ws_webex.server.mercury
    with serving_websocket_bot(ws_webex, database, tmp_path, webhooks=True) as served:
        asked = ask_and_wait(ws_webex, room, "status pending")
        assert mercury.redeliver(asked["id"]) == 1  # the same envelope again, same id and sequence
        again = served.post_signed(envelope(ws_webex, asked["id"]))  # and the webhook for it
        assert again.status_code == 200
        ws_webex.emulator.wait_idle()
        eventually(
            lambda: (
                served.metrics.value("onboard_websocket_events_total", {"outcome": "duplicate"})
                >= 1
            ),
            15,
        )
        served.wait_settled()
        assert bot_replies(ws_webex, asked["id"]) == 1
        assert [e.event_key for e in served.events()] == [f"messages/created/{asked['id']}"]
        assert served.metrics.value("onboard_webhooks_deduplicated_total") >= 1


def test_a_404_on_the_handshake_registers_a_new_device_and_carries_on(ws_webex, database, tmp_path):
    room = ws_webex.group_room()
    mercury = ws_webex.server.mercury
    with serving_websocket_bot(ws_webex, database, tmp_path) as served:
        (before,) = devices(ws_webex)
        mercury.refuse_handshake(404)
        mercury.drop()
        served.wait_connected(reconnects=2)
        (after,) = devices(ws_webex)  # the stale one deleted, one new one of ours
        assert after["url"] != before["url"]
        assert after["name"] == DEVICE_NAME
        asked = ask_and_wait(ws_webex, room)
        assert bot_replies(ws_webex, asked["id"]) == 1


def test_close_codes_4401_and_1011_reconnect(ws_webex, database, tmp_path):
    room = ws_webex.group_room()
    mercury = ws_webex.server.mercury
    with serving_websocket_bot(ws_webex, database, tmp_path) as served:
        assert mercury.close(4401) == 1
        served.wait_connected(reconnects=1)
        first = ask_and_wait(ws_webex, room)
        assert mercury.close(1011, "keepalive ping timeout") == 1  # webex_bot #31
        served.wait_connected(reconnects=2)
        second = ask_and_wait(ws_webex, room)
        assert (bot_replies(ws_webex, first["id"]), bot_replies(ws_webex, second["id"])) == (1, 1)
        ready = served.ready().json()
        assert ready["checks"]["intake"]["reconnects"] >= 2
        assert ready["checks"]["intake"]["state"] == "connected"
        assert served.metrics.value("onboard_websocket_reconnects_total") >= 2


def test_a_revoked_token_stops_the_intake_and_readyz_says_why(ws_webex, database, tmp_path):
    with serving_websocket_bot(ws_webex, database, tmp_path) as served:
        assert served.ready().status_code == 200
        ws_webex.server.mercury.revoke(BOT_TOKEN)
        eventually(
            lambda: served.intake is not None and served.intake.status.state == "stopped", 15
        )
        answer = served.ready()
        assert answer.status_code == 503
        problems = " ".join(answer.json()["problems"])
        assert "websocket intake stopped" in problems
        assert "refused the bot token" in problems
        assert ws_webex.server.mercury.connected() == 0


def test_close_4403_stops_with_the_reason(ws_webex, database, tmp_path):
    with serving_websocket_bot(ws_webex, database, tmp_path) as served:
        ws_webex.server.mercury.close(4403)
        eventually(
            lambda: served.intake is not None and served.intake.status.state == "stopped", 15
        )
        assert "forbidden (4403)" in " ".join(served.ready().json()["problems"])


def test_a_skipped_sequence_number_is_counted_and_the_backfill_finds_the_message(
    ws_webex, database, tmp_path
):
    room = ws_webex.group_room()
    mercury = ws_webex.server.mercury
    with serving_websocket_bot(ws_webex, database, tmp_path) as served:
        mercury.skip_next()
        missed = ws_webex.emulator.send_as(ADMIN_EMAIL, room["id"], "help")  # never pushed
        assert bot_replies(ws_webex, missed["id"]) == 0
        later = ask_and_wait(ws_webex, room)  # the next envelope shows the gap
        ws_webex.emulator.wait_for_message(
            room["id"], from_email=BOT_EMAIL, parent_id=missed["id"], timeout=20
        )
        served.wait_settled(delivered=2)
        assert (bot_replies(ws_webex, missed["id"]), bot_replies(ws_webex, later["id"])) == (1, 1)
        assert served.metrics.value("onboard_websocket_sequence_gaps_total") == 1
        assert served.metrics.value("onboard_websocket_backfilled_messages_total") >= 1
        (event,) = [e for e in served.events() if e.event_key.endswith(missed["id"])]
        assert event.payload["source"]["intake"] == "backfill"


def test_messages_sent_while_the_bot_was_stopped_are_answered_at_the_next_start(
    ws_webex, database, tmp_path
):
    room = ws_webex.direct_room()
    with serving_websocket_bot(ws_webex, database, tmp_path):
        ws_webex.emulator.send_as(ADMIN_EMAIL, room["id"], "help")
        ws_webex.emulator.wait_for_message(room["id"], from_email=BOT_EMAIL, timeout=20)
    while_down = ws_webex.emulator.send_as(ADMIN_EMAIL, room["id"], "status")
    with serving_websocket_bot(ws_webex, database, tmp_path) as served:
        eventually(
            lambda: len(ws_webex.emulator.messages_in(room["id"], person_email=BOT_EMAIL)) == 2,
            timeout=20,
        )
        served.wait_settled(delivered=1)
        keys = [e.event_key for e in served.events()]
        assert f"messages/created/{while_down['id']}" in keys
        assert len(keys) == 2  # the first message was not answered again
    assert len(ws_webex.emulator.messages_in(room["id"], person_email=BOT_EMAIL)) == 2


def test_stale_devices_of_ours_are_deleted_and_others_are_left_alone(ws_webex, database, tmp_path):
    mercury = ws_webex.server.mercury
    bot = ws_webex.emulator.people_by_id()[ws_webex.bot["id"]]
    ours = [mercury.create_device(bot, DEVICE_NAME) for _ in range(2)]  # left by crashed starts
    other = mercury.create_device(bot, "someone-elses-client")
    with serving_websocket_bot(ws_webex, database, tmp_path) as served:
        left = devices(ws_webex)
        assert sorted(d["url"] for d in left) == sorted([ours[0]["url"], other["url"]])
        assert served.intake is not None and served.intake.status.state == "connected"


def _ready(served: WebsocketBot) -> dict[str, Any]:
    body: dict[str, Any] = served.ready().json()
    return body


def test_readyz_reports_the_intake_and_needs_no_webhook_secret(ws_webex, database, tmp_path):
    room = ws_webex.group_room()
    with serving_websocket_bot(ws_webex, database, tmp_path) as served:
        ask_and_wait(ws_webex, room)
        body = _ready(served)
        assert body["status"] == "ready"
        intake = body["checks"]["intake"]
        assert intake["intake"] == "websocket"
        assert intake["connected_since"] and intake["last_event_at"]
        text = requests.get(served.url + "/metrics", timeout=5).text
        for name in ("reconnects", "sequence_gaps", "backfilled_messages"):
            assert f"onboard_websocket_{name}_total" in text
        assert served.bot.settings.webex.webhook_secret is None


def test_a_socket_that_stops_answering_pings_is_replaced(ws_webex, database, tmp_path):
    room = ws_webex.group_room()
    mercury = ws_webex.server.mercury
    with serving_websocket_bot(ws_webex, database, tmp_path) as served:
        mercury.answer_pings = False  # open as far as TCP knows, dead as far as Mercury goes
        eventually(lambda: served.intake is not None and served.intake.status.reconnects >= 1, 20)
        mercury.answer_pings = True
        served.wait_connected(reconnects=1)
        asked = ask_and_wait(ws_webex, room)
        assert bot_replies(ws_webex, asked["id"]) == 1


def test_ids_are_asked_of_webex_when_the_conversation_is_elsewhere(ws_webex, database, tmp_path):
    room = ws_webex.group_room()
    mercury = ws_webex.server.mercury
    # Activities now name a conversation service the catalog did not: derivation is unsure.
    mercury.conversation_base = f"http://localhost:{ws_webex.server.port}"
    with serving_websocket_bot(ws_webex, database, tmp_path) as served:
        asked = ask_and_wait(ws_webex, room, "status pending")
        served.wait_settled()
        assert bot_replies(ws_webex, asked["id"]) == 1
        assert mercury.lookups == 1  # the id came from Webex, not from our derivation
        (event,) = served.events()
        assert event.event_key == f"messages/created/{asked['id']}"


def test_the_console_breaks_the_socket_by_hand_and_the_bot_comes_back(ws_webex, database, tmp_path):
    console = f"http://127.0.0.1:{ws_webex.server.port}/console/api/websocket"
    with serving_websocket_bot(ws_webex, database, tmp_path) as served:
        assert requests.get(console, timeout=5).json()["connected"] == 1
        dropped = requests.post(f"{console}/faults", json={"fault": "drop"}, timeout=5)
        assert dropped.json() == {"fault": "drop", "sockets": 1}
        served.wait_connected(reconnects=1)
        closed = requests.post(
            f"{console}/faults", json={"fault": "close", "code": 1011}, timeout=5
        )
        assert closed.json()["sockets"] == 1
        served.wait_connected(reconnects=2)
        unknown = requests.post(f"{console}/faults", json={"fault": "unplug"}, timeout=5)
        assert unknown.status_code == 400
        assert "drop" in unknown.json()["error"]


def test_a_catalog_outage_at_start_is_waited_out(ws_webex, database, tmp_path):
    # Six refusals: with the test's backoff (from 0.05 s, capped at 0.5 s) about a second down.
    ws_webex.emulator.fail_next("GET", r"^/u2c/api/v1/catalog$", 503, times=6)
    with serving_websocket_bot(ws_webex, database, tmp_path, connect=False) as served:
        assert served.intake is not None
        early = served.ready()
        assert early.status_code == 503
        assert "websocket not connected yet" in early.json()["problems"]
        served.wait_connected(reconnects=6)
        assert served.ready().json()["status"] == "ready"
        catalog = [e for e in ws_webex.emulator.exchanges if e.path == "/u2c/api/v1/catalog"]
        assert [e.status for e in catalog] == [503] * 6 + [200]
