"""The ``digest`` chat commands: who may do what, and digests belonging to their space."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

import commands
import commands.digest  # noqa: F401
from bot.bootstrap import Bot
from bot.cards import render_card
from bot.cards.digest import markdown
from bot.jobs import sync_configured_digests
from bot.settings import DigestSettings
from commands.digest import DigestListView, DigestSavedView, DigestStoppedView, DigestView
from commands.views import ErrorKind, ErrorView
from onboarding.clock import ManualClock
from storage.models import DigestRow, DigestRunRow
from tests.support.chat import SUPPORT, VIEWER, Chat
from tests.support.chat import chat_bot as build_chat_bot
from tests.unit.test_cards import card_text

ROOM = "room-1"
OTHER = "room-2"
NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


@pytest.fixture
def chat_bot(sqlite_database, tmp_path) -> Bot:
    return build_chat_bot(sqlite_database, ManualClock(NOW), tmp_path)


@pytest.fixture
def chat(chat_bot: Bot) -> Chat:
    """An admin in ``ROOM``."""
    return Chat(chat_bot, space=ROOM)


def _digests(bot: Bot) -> list[DigestRow]:
    with bot.db.uow() as uow:
        return list(uow.session.scalars(sa.select(DigestRow).order_by(DigestRow.id)))


def test_admin_adds_a_daily_digest_in_prague_time(chat):
    reply = chat.say("digest daily 08:00 Europe/Prague errors")
    assert reply.ok and isinstance(reply.view, DigestSavedView)
    [row] = _digests(chat.bot)
    assert (row.space_id, row.cron, row.timezone, row.content, row.source) == (
        ROOM,
        "0 8 * * *",
        "Europe/Prague",
        "errors",
        "chat",
    )
    assert reply.view.next_fire == datetime(2026, 1, 16, 7, 0, tzinfo=UTC)
    text = markdown(reply.view, "en")
    assert "every day at 08:00" in text and "2026-01-16 08:00 Europe/Prague" in text


def test_weekdays_and_cron(chat):
    assert chat.say("digest weekdays 07:30").ok
    assert chat.say('digest cron "0 8 * * 1-5" Europe/Prague pending quiet').ok
    assert chat.say("digest cron 15 6 * * 1 UTC").ok
    crons = [(r.cron, r.timezone, r.content, r.quiet) for r in _digests(chat.bot)]
    assert crons == [
        ("30 7 * * 1-5", "UTC", "all", False),
        ("0 8 * * 1-5", "Europe/Prague", "pending", True),
        ("15 6 * * 1", "UTC", "all", False),
    ]


def test_bad_input_is_answered_not_stored(chat):
    for text in ("digest daily 8", "digest daily 08:00 Mars/Base", 'digest cron "0 8 * *"'):
        reply = chat.say(text)
        assert not reply.ok and isinstance(reply.view, ErrorView), text
    assert _digests(chat.bot) == []


def test_only_admins_change_digests(chat):
    for text in ("digest daily 08:00", "digest off 1", 'digest cron "0 8 * * *"'):
        reply = chat.say(text, who=SUPPORT)
        assert not reply.ok and reply.view.kind is ErrorKind.FORBIDDEN, text
    assert _digests(chat.bot) == []


def test_everyone_lists_the_spaces_own_digests(chat):
    chat.say("digest daily 08:00")
    chat.say("digest daily 09:00", space=OTHER)
    reply = chat.say("digest", who=VIEWER)
    assert reply.ok and isinstance(reply.view, DigestListView)
    assert [e.spec.space_id for e in reply.view.digests] == [ROOM]
    text = markdown(reply.view, "cs")
    assert "každý den v 08:00" in text and "digest off" in text
    empty = chat.say("digest", space="room-3")
    assert "digest daily 08:00 Europe/Prague" in markdown(empty.view, "en")


def test_off_stops_only_this_spaces_chat_digests(chat):
    chat.say("digest daily 08:00")
    [row] = _digests(chat.bot)
    elsewhere = chat.say(f"digest off {row.id}", space=OTHER)
    assert not elsewhere.ok and elsewhere.view.kind is ErrorKind.NOT_FOUND
    reply = chat.say(f"digest off {row.id}")
    assert reply.ok and isinstance(reply.view, DigestStoppedView)
    assert not _digests(chat.bot)[0].enabled
    assert chat.say("digest").view.digests == ()
    sync_configured_digests(chat.bot.db, [DigestSettings(space=ROOM)], NOW)
    config_id = _digests(chat.bot)[-1].id
    refused = chat.say(f"digest off {config_id}")
    assert not refused.ok and refused.view.kind is ErrorKind.REFUSED


def test_digest_now_shows_the_digest_and_becomes_the_baseline(chat):
    chat.say("digest daily 08:00 Europe/Prague errors")
    reply = chat.say("digest now", who=VIEWER)
    assert reply.ok and isinstance(reply.view, DigestView)
    assert reply.view.report.content.value == "errors"
    with chat.bot.db.uow() as uow:
        [run] = uow.session.scalars(sa.select(DigestRunRow)).all()
        assert run.summary["posted"] is True
    assert "Errors (16)" in markdown(reply.view, "en")


def test_digest_now_without_a_space_is_a_preview(chat):
    reply = chat.say("digest now", space=None)
    assert reply.ok and isinstance(reply.view, DigestView)
    with chat.bot.db.uow() as uow:
        assert uow.session.scalar(sa.select(sa.func.count()).select_from(DigestRunRow)) == 0
    assert not chat.say("digest", space=None).ok


def test_the_card_button_runs_digest_now(chat):
    reply = chat.click("digest.now", who=VIEWER)
    assert reply.ok and isinstance(reply.view, DigestView)


@pytest.mark.parametrize(
    ("first", "again", "named"),
    [
        (
            "digest daily 08:00 Europe/Prague errors",
            "digest daily 8:00 Europe/Prague errors",
            "every day at 08:00 (Europe/Prague), errors",
        ),
        ("digest weekdays 07:30", 'digest cron "30 7 * * 1-5"', "Monday to Friday at 07:30 (UTC)"),
        ('digest cron "0 8 1 * *"', "digest cron 0  8 1 * *", "cron `0 8 1 * *` (UTC)"),
    ],
)
def test_a_second_identical_digest_is_refused_naming_the_first(chat, first, again, named):
    assert chat.say(first).ok
    reply = chat.say(again)
    assert not reply.ok and isinstance(reply.view, ErrorView), reply
    text = reply.markdown
    assert "already has digest **#1**" in text and named in text, text
    assert "`digest off 1`" in text
    assert len(_digests(chat.bot)) == 1
    card = render_card(reply.view, "cs")
    assert card is not None and "už má přehled #1: " in card_text(card)
    assert "už má přehled **#1**" in reply.markdown_in("cs")


def test_the_same_time_with_other_content_or_zone_or_space_is_a_new_digest(chat):
    assert chat.say("digest daily 08:00 errors").ok
    assert chat.say("digest daily 08:00 pending").ok
    assert chat.say("digest daily 08:00 Europe/Prague errors").ok
    assert chat.say("digest daily 08:00 errors", space=OTHER).ok
    assert chat.say("digest off 1").ok
    assert chat.say("digest daily 08:00 errors").ok  # the stopped one is no twin
    assert len(_digests(chat.bot)) == 5
