"""Is a reply already in Webex? The gateway's look-up, against the stand-in over the real SDK.

Webex has no idempotency key: a reply whose POST may have landed is looked for where it would be
(a thread, a 1:1 space by room or by person) before it is sent again. A group space outside a
thread cannot be listed by a bot, and says so.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from bot.delivery import landing_wait
from bot.local.faultproxy import FaultProxy
from bot.webex import Unverifiable, WebexGateway, WebexUnavailable
from storage.outbox import OutgoingMessage
from tests.support.emulator import ADMIN_EMAIL
from tests.support.served_bot import make_settings


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


def test_a_post_held_past_the_timeout_lands_before_the_check_that_waits_for_it(webex, tmp_path):
    # The latency-spike chaos case in small: a proxy holds the POST past the client's timeout,
    # then forwards it. Checking at once finds nothing (a re-send would double the reply);
    # checking after landing_wait finds the message the held POST created.
    settings = make_settings(webex, tmp_path)
    api = urlsplit(settings.webex.api_url)
    with FaultProxy(api.hostname or "127.0.0.1", api.port or 80).start() as proxy:
        through = settings.model_copy(
            update={"webex": settings.webex.model_copy(update={"api_url": proxy.api_url})}
        )
        gateway = WebexGateway.from_settings(through, timeout=1)
        room = webex.group_room()
        asked = webex.emulator.send_as(ADMIN_EMAIL, room["id"], "status")
        reply = OutgoingMessage(room_id=room["id"], parent_id=asked["id"], markdown="**Held**")
        proxy.delay(1.5, times=1, method="POST", path=r"/v1/messages$")
        with pytest.raises(WebexUnavailable) as held:
            gateway.post(reply)
        assert held.value.timed_out
        assert gateway.find_sent(reply, since=_since(), exclude=set()) is None  # not yet landed
        time.sleep(landing_wait(held.value, gateway))
        assert gateway.find_sent(reply, since=_since(), exclude=set()) is not None


def test_a_reset_connection_is_checked_at_once(webex, tmp_path):
    settings = make_settings(webex, tmp_path)
    api = urlsplit(settings.webex.api_url)
    with FaultProxy(api.hostname or "127.0.0.1", api.port or 80).start() as proxy:
        through = settings.model_copy(
            update={"webex": settings.webex.model_copy(update={"api_url": proxy.api_url})}
        )
        gateway = WebexGateway.from_settings(through, timeout=1)
        proxy.down(seconds=30)
        with pytest.raises(WebexUnavailable) as reset:
            gateway.post(OutgoingMessage(room_id=webex.direct_room()["id"], markdown="hi"))
        assert not reset.value.timed_out
        assert landing_wait(reset.value, gateway) == 0.0
