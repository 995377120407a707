"""Signed bodies no database can store are refused with 400, never 503 (on both databases).

A 503 asks Webex to deliver again, which for these bytes would never end: a lone surrogate escape
(both databases refuse the string), a NUL (PostgreSQL refuses it in text and jsonb), NaN,
Infinity and a number that overflows to infinity (not JSON to PostgreSQL).
"""

from __future__ import annotations

import pytest

from bot.bootstrap import build_bot
from bot.settings import Settings, WebexSettings
from bot.web import create_app
from tests.unit.test_web_intake import SECRET, StubRuntime, signed, stored

ENVELOPE = '{"id": "wh1", "resource": "messages", "event": "created", "data": {"id": %s%s}}'


@pytest.fixture
def intake(database, tmp_path):
    settings = Settings(
        webex=WebexSettings(bot_token="t", webhook_secret=SECRET), files_dir=tmp_path / "f"
    )
    bot = build_bot(settings, db=database, migrate=False, provider=object())  # type: ignore[arg-type]
    runtime = StubRuntime()
    return bot, runtime, create_app(bot, runtime=runtime).test_client()  # type: ignore[arg-type]


UNSTORABLE = {
    "lone surrogate in data.id": ENVELOPE % ('"m\\ud800"', ""),
    "lone low surrogate in data.id": ENVELOPE % ('"m\\udfff-x"', ""),
    "lone surrogate in a key": ENVELOPE % ('"m1"', ', "\\ud800": 1'),
    "lone surrogate in upper case": ENVELOPE % ('"m\\uDBFF"', ""),
    "NUL in data.id": ENVELOPE % ('"m\\u0000"', ""),
    "NUL in another field": ENVELOPE % ('"m1"', ', "roomId": "r\\u0000"'),
    "NaN": ENVELOPE % ('"m1"', ', "n": NaN'),
    "Infinity": ENVELOPE % ('"m1"', ', "n": Infinity'),
    "-Infinity": ENVELOPE % ('"m1"', ', "n": -Infinity'),
    "1e999999": ENVELOPE % ('"m1"', ', "n": 1e999999'),
}


@pytest.mark.parametrize("text", UNSTORABLE.values(), ids=UNSTORABLE.keys())
def test_a_body_no_database_can_store_is_refused_with_400(intake, text):
    bot, runtime, client = intake
    body = text.encode()
    response = client.post("/webhooks/webex", data=body, headers=signed(body))
    assert response.status_code == 400
    assert response.json == {"error": "malformed webhook body"}
    assert stored(bot) == [] and runtime.wakes == 0
    assert runtime.metrics.value("onboard_webhooks_rejected_total", {"reason": "malformed"}) == 1


def test_the_same_body_with_storable_values_is_accepted(intake):
    bot, _, client = intake
    # A paired surrogate (an emoji) and an escaped backslash before "u0000" are text like any.
    extra = ', "n": 1e300, "x": "\\u0001", "y": "\\\\u0000"'
    body = (ENVELOPE % ('"m\\u00e9\\ud83d\\ude00"', extra)).encode()
    response = client.post("/webhooks/webex", data=body, headers=signed(body))
    assert response.status_code == 200
    (row,) = stored(bot)
    assert row.event_key == "messages/created/m\u00e9\U0001f600"
    assert float(row.payload["data"]["n"]) == 1e300  # jsonb hands it back as an integer
    assert row.payload["data"]["y"] == "\\u0000"
