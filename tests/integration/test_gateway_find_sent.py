"""Is a reply already in Webex? The gateway's look-up, against the stand-in over the real SDK.

Webex has no idempotency key: a reply whose POST may have landed is looked for where it would be
(a thread, a 1:1 space by room or by person) before it is sent again. A group space outside a
thread cannot be listed by a bot, and says so.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.webex import Unverifiable, WebexGateway
from storage.outbox import OutgoingMessage
from tests.e2e.test_webhook_harness import make_settings
from tests.support.emulator import ADMIN_EMAIL


@pytest.fixture
def gateway(webex, tmp_path) -> WebexGateway:
    return WebexGateway.from_settings(make_settings(webex, tmp_path))


def _since() -> datetime:
    return datetime.now(UTC) - timedelta(seconds=5)


def test_a_reply_in_a_thread_is_found_and_an_earlier_identical_one_is_not_taken(webex, gateway):
    room = webex.group_room()
    asked = webex.emulator.send_as(ADMIN_EMAIL, room["id"], "status")
    reply = OutgoingMessage(room_id=room["id"], parent_id=asked["id"], markdown="**All fine**")
    assert gateway.find_sent(reply, since=_since(), exclude=set()) is None
    posted = gateway.post(reply)
    assert gateway.find_sent(reply, since=_since(), exclude=set()) == posted
    # The same words sent before (and recorded as delivered) are not this reply.
    assert gateway.find_sent(reply, since=_since(), exclude={posted}) is None
    other = OutgoingMessage(room_id=room["id"], parent_id=asked["id"], markdown="**Other**")
    assert gateway.find_sent(other, since=_since(), exclude=set()) is None


def test_a_direct_reply_is_found_by_room_and_by_person(webex, gateway):
    room = webex.direct_room()
    by_room = OutgoingMessage(room_id=room["id"], markdown="hello there")
    posted = gateway.post(by_room)
    assert gateway.find_sent(by_room, since=_since(), exclude=set()) == posted
    by_person = OutgoingMessage(to_person_email=ADMIN_EMAIL, markdown="a digest")
    assert gateway.find_sent(by_person, since=_since(), exclude=set()) is None
    posted = gateway.post(by_person)
    assert gateway.find_sent(by_person, since=_since(), exclude=set()) == posted
    lookups = [e for e in webex.emulator.exchanges if e.path == "/v1/messages/direct"]
    assert lookups and all(e.status == 200 for e in lookups)


def test_a_group_space_outside_a_thread_cannot_be_checked(webex, gateway):
    room = webex.group_room()
    digest = OutgoingMessage(room_id=room["id"], markdown="Daily digest")
    with pytest.raises(Unverifiable):
        gateway.find_sent(digest, since=_since(), exclude=set())


def test_only_the_bots_own_messages_count(webex, gateway):
    room = webex.direct_room()
    webex.sdk("ana-token").messages.create(roomId=room["id"], markdown="same words")
    mine = OutgoingMessage(room_id=room["id"], markdown="same words")
    assert gateway.find_sent(mine, since=_since(), exclude=set()) is None
