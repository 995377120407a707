"""The websocket's wire format and the intake's settings, without sockets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.intake_websocket import backoff_delay
from bot.local.emulator_model import webex_id
from bot.mercury import Frame, FrameError, ack, authorization, event_of, hydra_id, ping, uuid_of
from bot.settings import ConfigError, load_settings
from bot.wdm import Device

ROOM = "1f0a5c4e-0000-4000-8000-00000000aaaa"
ANA = "2b1c6d5f-0000-4000-8000-00000000bbbb"
BOT = "3c2d7e60-0000-4000-8000-00000000cccc"
MESSAGE = "4d3e8f71-0000-4000-8000-00000000dddd"
CARD = "5e4f9082-0000-4000-8000-00000000eeee"


def activity(verb: str, **extra: object) -> dict[str, object]:
    return {
        "id": MESSAGE,
        "verb": verb,
        "published": "2026-12-01T18:00:00.000Z",
        "actor": {"entryUUID": ANA, "emailAddress": "ana@example.com"},
        "target": {"id": ROOM, "url": f"https://conv-a.wbx2.com/conversations/{ROOM}", "tags": []},
        **extra,
    }


def test_ids_are_derived_as_the_rest_api_spells_them():
    rest_message = webex_id("MESSAGE", MESSAGE)  # how the stand-in (and Webex) spell it
    assert hydra_id("MESSAGE", MESSAGE) == rest_message
    assert uuid_of(rest_message) == MESSAGE
    assert uuid_of("not-a-webex-id") is None
    assert "=" not in hydra_id("PEOPLE", ANA)


def test_a_post_becomes_the_webhook_event_for_that_message():
    event = event_of(activity("post", object={"mentions": {"items": [{"id": BOT}]}}))
    assert event is not None
    assert (event.resource, event.event) == ("messages", "created")
    assert event.event_key == f"messages/created/{hydra_id('MESSAGE', MESSAGE)}"
    assert event.data["roomId"] == hydra_id("ROOM", ROOM)
    assert event.data["personId"] == hydra_id("PEOPLE", ANA)
    assert event.data["roomType"] == "group"
    assert event.data["mentionedPeople"] == [hydra_id("PEOPLE", BOT)]
    body = event.payload(envelope_id="env-1", sequence=7)
    assert body["source"] == {"intake": "websocket", "envelopeId": "env-1", "sequence": 7}


def test_a_share_in_a_1to1_is_a_direct_message():
    tagged = activity("share")
    tagged["target"] = {"id": ROOM, "tags": ["ONE_ON_ONE"]}
    event = event_of(tagged)
    assert event is not None and event.data["roomType"] == "direct"


def test_a_card_action_names_the_action_and_its_card():
    event = event_of(activity("cardAction", parent={"id": CARD}))
    assert event is not None
    assert (event.resource, event.event) == ("attachmentActions", "created")
    assert event.data["id"] == hydra_id("ATTACHMENT_ACTION", MESSAGE)
    assert event.data["messageId"] == hydra_id("MESSAGE", CARD)


@pytest.mark.parametrize(
    "odd",
    [
        activity("acknowledge"),
        activity("update"),
        activity("cardAction"),  # no parent: which card?
        {"verb": "post"},
        {**activity("post"), "actor": "ana"},
    ],
)
def test_activities_the_bot_does_not_act_on_give_no_event(odd):
    assert event_of(odd) is None


def test_frames_we_send():
    auth = json.loads(authorization("tok"))
    assert auth["type"] == "authorization" and auth["data"] == {"token": "Bearer tok"}
    assert json.loads(ping("p1")) == {"id": "p1", "type": "ping"}
    assert json.loads(ack("e1")) == {"type": "ack", "messageId": "e1"}


def test_frames_we_read():
    ready = Frame.parse(json.dumps({"id": "x", "data": {"eventType": "mercury.buffer_state"}}))
    assert ready.is_ready and ready.activity is None
    pong = Frame.parse('{"id": "p1", "type": "pong"}')
    assert pong.is_pong and pong.sequence is None
    numbered = Frame.parse(
        json.dumps(
            {
                "id": "e",
                "sequenceNumber": 3,
                "data": {"eventType": "conversation.activity", "activity": activity("post")},
            }
        )
    )
    assert numbered.sequence == 3 and numbered.activity is not None
    assert Frame.parse('{"sequenceNumber": true}').sequence is None  # a bool is no number
    for bad in ("not json", "[1, 2]", "[" * 5000):
        with pytest.raises(FrameError):
            Frame.parse(bad)


def test_the_socket_url_asks_for_text_frames_and_buffer_states():
    device = Device(url="https://wdm/devices/1", web_socket_url="wss://m/v1/messages", name="x")
    assert device.connect_url == (
        "wss://m/v1/messages?outboundWireFormat=text&bufferStates=true&aliasHttpStatus=true"
    )


def test_backoff_doubles_with_jitter_up_to_the_cap():
    for attempt, ceiling in [(0, 1.0), (1, 2.0), (3, 8.0), (10, 60.0), (5000, 60.0)]:
        delays = [backoff_delay(attempt, 1.0, 60.0) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1  # jittered, so many bots do not come back in step


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_intake_defaults_to_websocket_without_a_public_url(tmp_path):
    settings = load_settings(write(tmp_path, ""), env={})
    assert settings.webex.intake_mode == "websocket"
    assert settings.webex.u2c_url == "https://u2c.wbx2.com/u2c/api/v1"
    assert settings.webex.reconnect_max_seconds == 60


def test_a_public_url_means_webhooks_unless_the_intake_is_named(tmp_path):
    path = write(tmp_path, "webex:\n  public_url: https://bot.example.com\n")
    assert load_settings(path, env={}).webex.intake_mode == "webhook"
    chosen = load_settings(path, env={"WEBEX_INTAKE": "websocket"})
    assert chosen.webex.intake_mode == "websocket"


def test_the_catalog_url_and_reconnect_cap_come_from_env_and_yaml(tmp_path):
    path = write(tmp_path, "webex:\n  intake: webhook\n  reconnect_max_seconds: 30\n")
    settings = load_settings(path, env={"WEBEX_U2C_URL": "http://127.0.0.1:9/u2c/api/v1/"})
    assert settings.webex.intake_mode == "webhook"
    assert settings.webex.u2c_url == "http://127.0.0.1:9/u2c/api/v1"
    assert settings.webex.reconnect_max_seconds == 30


@pytest.mark.parametrize(
    ("text", "env", "key"),
    [
        ("webex:\n  intake: carrier-pigeon\n", {}, "webex.intake"),
        ("", {"WEBEX_INTAKE": "socket"}, "webex.intake"),
        ("webex:\n  u2c_url: u2c.wbx2.com\n", {}, "webex.u2c_url"),
        ("webex:\n  reconnect_max_seconds: 0\n", {}, "webex.reconnect_max_seconds"),
    ],
)
def test_a_bad_intake_setting_names_its_key(tmp_path, text, env, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_settings(write(tmp_path, text), env=env)


def test_an_id_is_looked_up_only_when_the_conversation_is_elsewhere():
    from bot.intake_ids import ActivityIds, lookup_url

    asked: list[str] = []

    def fetch(url: str) -> dict[str, str]:
        asked.append(url)
        return {"id": "FETCHED"}

    ids = ActivityIds("https://conv-a.wbx2.com/conversation/api/v1", fetch)
    here = activity("post")
    here["target"] = {
        "id": ROOM,
        "url": f"https://conv-a.wbx2.com/conversation/api/v1/conversations/{ROOM}",
    }
    event = event_of(here)
    assert event is not None and ids.resolve(here, event) is event
    away = activity("cardAction", parent={"id": CARD})
    away["target"] = {
        "id": ROOM,
        "url": f"https://conv-k.wbx2.com/conversation/api/v1/conversations/{ROOM}",
    }
    card = event_of(away)
    assert card is not None
    assert ids.resolve(away, card).data == {"id": "FETCHED", "created": "2026-12-01T18:00:00.000Z"}
    assert asked == [f"https://conv-k.wbx2.com/conversation/api/v1/attachment/actions/{MESSAGE}"]
    assert lookup_url({"id": MESSAGE, "target": {"id": ROOM, "url": "https://x/other"}}) is None
