"""The stand-in's latency knob: every REST call waits, as a far-away Webex would; nothing else."""

from __future__ import annotations

import time

import requests


def test_with_a_latency_every_api_call_waits_that_long(webex):
    webex.emulator.api_latency = 0.15
    started = time.monotonic()
    me = webex.sdk().people.me()
    assert me.emails == ["onboard@webex.bot"]
    assert time.monotonic() - started >= 0.15


def test_the_latency_can_change_while_serving_and_zero_means_at_once(webex):
    api = webex.sdk()
    webex.emulator.api_latency = 0.3
    started = time.monotonic()
    api.people.me()
    slow = time.monotonic() - started
    webex.emulator.api_latency = 0.0
    started = time.monotonic()
    api.people.me()
    fast = time.monotonic() - started
    assert slow >= 0.3
    assert fast < 0.25


def test_the_console_is_not_slowed_down(webex):
    webex.emulator.api_latency = 1.0
    started = time.monotonic()
    response = requests.get(f"{webex.api_url[: -len('/v1/')]}/console/api/people", timeout=5)
    assert response.status_code == 200
    assert time.monotonic() - started < 0.9
