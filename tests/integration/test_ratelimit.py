"""More than N commands a minute gets a polite "slow down" instead of more provider calls."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.cards import render_markdown
from bot.dispatch import is_silent
from bot.ratelimit import RateDecision, RateLimiter
from commands.views import ErrorKind
from storage.models import AuditEntryRow
from tests.integration.test_access_harness import (
    ADMIN,
    ADMIN2,
    STRANGER,
    access_bot,
    audit_rows,
    deletable,
    last_entry,
)
from tests.support.chat import Chat

N = 3


@pytest.fixture
def chat_bot(database, clock, tmp_path):
    return access_bot(database, clock, tmp_path, commands_per_minute=N)


def _service_calls(bot) -> int:
    return len(audit_rows(bot.db, AuditEntryRow.action.like("service.%")))


def test_the_command_over_the_limit_is_not_run_and_says_when_to_retry(chat, clock):
    sub = deletable(chat.bot.db)
    for _ in range(N):
        chat.say(f"package {sub.email} premium")
        clock.advance(timedelta(seconds=5))
    calls = _service_calls(chat.bot)
    reply = chat.say(f"package {sub.email} basic")
    assert reply.view.kind is ErrorKind.UNAVAILABLE
    md = render_markdown(reply.view, "en")
    assert f"more than {N} commands in a minute" in md
    assert "Try again in 45 s." in md  # the first of the three leaves the window then
    assert _service_calls(chat.bot) == calls  # no provider call
    entry = last_entry(chat.bot.db)
    assert (entry.result, entry.detail) == ("throttled", "ratelimit.slow_down")
    assert "Zkuste to znovu za 45 s." in render_markdown(reply.view, "cs")


def test_further_commands_in_the_window_are_silent_then_it_lets_go(chat, clock):
    for _ in range(N):
        chat.say("states")
    assert not chat.say("states").ok
    quiet = chat.say("states")
    assert is_silent(quiet)
    assert last_entry(chat.bot.db).result == "throttled"
    clock.advance(timedelta(seconds=61))
    assert chat.say("states").ok  # throttled requests did not extend the window


def test_the_window_slides(chat, clock):
    chat.say("states")
    clock.advance(timedelta(seconds=40))
    chat.say("states")
    chat.say("states")
    assert not chat.say("states").ok
    clock.advance(timedelta(seconds=21))  # the first one is now older than a minute
    assert chat.say("states").ok
    assert not chat.say("states").ok


def test_clicks_count_too_and_people_are_counted_apart(chat):
    chat.say("states")
    chat.click("state.explain", {"state": "not verified"})
    chat.say("templates")
    assert not chat.click("status.list", {"filters": "errors"}).ok
    assert chat.say("states", who=ADMIN2).ok
    assert chat.say("states", who=ADMIN.upper()).ok is False  # one person, however written


def test_the_limit_is_shared_by_every_process_on_the_database(chat, database, clock, tmp_path):
    other_process = Chat(access_bot(database, clock, tmp_path, commands_per_minute=N))
    chat.say("states")
    other_process.say("states")
    chat.say("states")
    assert not other_process.say("states").ok


def test_the_cli_is_not_limited(chat):
    for _ in range(N + 2):
        assert chat.say("states", via="cli", space=None, org=None).ok


def test_refused_requests_count_but_strangers_are_refused_not_throttled(chat):
    for _ in range(N + 2):
        reply = chat.say("states", who=STRANGER)
        assert reply.view.kind is ErrorKind.FORBIDDEN


def test_the_limiter_alone(database, clock):
    limiter = RateLimiter(2)

    def check(actor: str) -> RateDecision:
        with database.uow() as uow:
            return limiter.check(uow, actor, clock.now())

    assert check("a@x.example").allowed
    with database.uow() as uow:
        for seconds in (50, 10):
            uow.audit.record(
                AuditEntryRow(
                    at=clock.now() - timedelta(seconds=seconds),
                    actor="a@x.example",
                    via="chat",
                    action="states",
                    result="ok",
                )
            )
        uow.commit()
    decision = check("a@x.example")
    assert not decision.allowed and decision.retry_after == timedelta(seconds=10)
    assert not decision.already_told
    assert check("b@x.example").allowed
