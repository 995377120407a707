"""The fault proxy between the SDK and the stand-in: each fault does what the chaos runs need."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests
from webexpythonsdk import ApiError, WebexAPI

from bot.local.faultproxy import FaultProxy

BOT_TOKEN = "bot-token"


@pytest.fixture
def proxy(webex) -> Iterator[FaultProxy]:
    upstream = urlsplit(webex.api_url)
    with FaultProxy(upstream.hostname or "127.0.0.1", upstream.port or 80).start() as running:
        yield running


def through(proxy: FaultProxy, timeout: int = 5) -> WebexAPI:
    return WebexAPI(
        access_token=BOT_TOKEN,
        base_url=proxy.api_url,
        wait_on_rate_limit=False,
        single_request_timeout=timeout,
    )


def test_without_rules_every_call_reaches_the_stand_in(webex, proxy):
    room = webex.group_room()
    api = through(proxy)
    assert api.people.me().emails == ["onboard@webex.bot"]
    posted = api.messages.create(roomId=room["id"], markdown="hello")
    assert webex.emulator.message(posted.id)["markdown"] == "hello"
    assert [h.action for h in proxy.hits] == ["forward", "forward"]


def test_a_status_rule_answers_for_itself_then_lets_calls_through(webex, proxy):
    proxy.status(429, times=2, retry_after="1", path=r"/v1/people/me$")
    api = through(proxy)
    for _ in range(2):
        with pytest.raises(ApiError) as failed:
            api.people.me()
        assert failed.value.status_code == 429
        assert failed.value.response.headers["Retry-After"] == "1"
    assert api.people.me().emails == ["onboard@webex.bot"]
    assert len(webex.emulator.requests_by("onboard@webex.bot")) == 1


def test_down_resets_connections_for_its_time_only(proxy):
    proxy.down(seconds=0.6)
    api = through(proxy)
    with pytest.raises(requests.ConnectionError):
        api.people.me()
    time.sleep(0.7)
    assert api.people.me().emails == ["onboard@webex.bot"]


def test_a_rule_for_one_path_leaves_the_others_alone(proxy):
    proxy.status(503, seconds=30, method="POST", path=r"/v1/messages$")
    assert through(proxy).people.me().emails == ["onboard@webex.bot"]


def test_a_delay_holds_the_request_then_forwards_it(webex, proxy):
    proxy.delay(0.5, times=1)
    started = time.monotonic()
    through(proxy).people.me()
    assert time.monotonic() - started >= 0.5


def test_a_spike_beyond_the_client_timeout_still_lands_after_the_client_gave_up(webex, proxy):
    room = webex.group_room()
    proxy.delay(2.0, times=1, method="POST", path=r"/v1/messages$")
    with pytest.raises(requests.Timeout):
        through(proxy, timeout=1).messages.create(roomId=room["id"], markdown="late")
    assert proxy.held() == 1
    assert webex.emulator.messages_in(room["id"]) == []
    webex.emulator.wait_for(
        lambda: any(m.get("markdown") == "late" for m in webex.emulator.messages_in(room["id"])),
        timeout=5,
        message="the held message to land",
    )
    assert proxy.faulted() == 1


def test_a_delayed_answer_comes_after_the_message_exists(webex, proxy):
    room = webex.group_room()
    proxy.delay_response(2.0, method="POST", path=r"/v1/messages$")
    with pytest.raises(requests.Timeout):
        through(proxy, timeout=1).messages.create(roomId=room["id"], markdown="landed")
    assert [m["markdown"] for m in webex.emulator.messages_in(room["id"])] == ["landed"]


def test_a_dropped_answer_means_created_at_the_stand_in_but_an_error_at_the_client(webex, proxy):
    room = webex.group_room()
    proxy.drop_response(method="POST", path=r"/v1/messages$")
    api = through(proxy)
    with pytest.raises(requests.ConnectionError):
        api.messages.create(roomId=room["id"], markdown="created once")
    assert [m["markdown"] for m in webex.emulator.messages_in(room["id"])] == ["created once"]
    assert [h.action for h in proxy.hits] == ["drop_response"]
    # Only once: the next post goes through normally.
    api.messages.create(roomId=room["id"], markdown="second")
    assert len(webex.emulator.messages_in(room["id"])) == 2


def test_clear_removes_every_rule(proxy):
    proxy.down()
    proxy.clear()
    assert through(proxy).people.me().emails == ["onboard@webex.bot"]
    assert proxy.faulted() == 0
