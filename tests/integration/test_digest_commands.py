"""The ``digest`` chat commands: who may do what, and digests belonging to their space."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

import commands
import commands.digest  # noqa: F401
from bot.bootstrap import Bot, build_bot
from bot.cards import render_card, render_markdown
from bot.cards.digest import markdown
from bot.jobs import sync_configured_digests
from bot.settings import DigestSettings, Settings
from commands.context import CommandContext
from commands.digest import DigestListView, DigestSavedView, DigestStoppedView, DigestView
from commands.registry import Role
from commands.replies import Reply
from commands.runner import run_text
from commands.views import ErrorKind, ErrorView
from onboarding.clock import ManualClock
from onboarding.service import Actor
from storage.models import DigestRow, DigestRunRow
from tests.unit.test_cards import card_text

ROOM = "room-1"
OTHER = "room-2"
NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


@pytest.fixture
def bot(sqlite_database, tmp_path) -> Bot:
    settings = Settings(files_dir=tmp_path / "files")
    return build_bot(settings, db=sqlite_database, clock=ManualClock(NOW), migrate=False)


def say(bot: Bot, text: str, *, role: Role = Role.ADMIN, space: str | None = ROOM) -> Reply:
    ctx = CommandContext(
        service=bot.service,
        actor=Actor("admin@example.com", via="chat", space_id=space),
        role=role,
        clock=bot.clock,
        db=bot.db,
        files_dir=bot.files_dir,
    )
    return run_text(text, ctx)


def _digests(bot: Bot) -> list[DigestRow]:
    with bot.db.uow() as uow:
        return list(uow.session.scalars(sa.select(DigestRow).order_by(DigestRow.id)))


def test_admin_adds_a_daily_digest_in_prague_time(bot):
    reply = say(bot, "digest daily 08:00 Europe/Prague errors")
    assert reply.ok and isinstance(reply.view, DigestSavedView)
    [row] = _digests(bot)
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


def test_weekdays_and_cron(bot):
    assert say(bot, "digest weekdays 07:30").ok
    assert say(bot, 'digest cron "0 8 * * 1-5" Europe/Prague pending quiet').ok
    assert say(bot, "digest cron 15 6 * * 1 UTC").ok
    crons = [(r.cron, r.timezone, r.content, r.quiet) for r in _digests(bot)]
    assert crons == [
        ("30 7 * * 1-5", "UTC", "all", False),
        ("0 8 * * 1-5", "Europe/Prague", "pending", True),
        ("15 6 * * 1", "UTC", "all", False),
    ]


def test_bad_input_is_answered_not_stored(bot):
    for text in ("digest daily 8", "digest daily 08:00 Mars/Base", 'digest cron "0 8 * *"'):
        reply = say(bot, text)
        assert not reply.ok and isinstance(reply.view, ErrorView), text
    assert _digests(bot) == []


def test_only_admins_change_digests(bot):
    for text in ("digest daily 08:00", "digest off 1", 'digest cron "0 8 * * *"'):
        reply = say(bot, text, role=Role.SUPPORT)
        assert not reply.ok and reply.view.kind is ErrorKind.FORBIDDEN, text
    assert _digests(bot) == []


def test_everyone_lists_the_spaces_own_digests(bot):
    say(bot, "digest daily 08:00")
    say(bot, "digest daily 09:00", space=OTHER)
    reply = say(bot, "digest", role=Role.VIEWER)
    assert reply.ok and isinstance(reply.view, DigestListView)
    assert [e.spec.space_id for e in reply.view.digests] == [ROOM]
    text = markdown(reply.view, "cs")
    assert "každý den v 08:00" in text and "digest off" in text
    empty = say(bot, "digest", space="room-3")
    assert "digest daily 08:00 Europe/Prague" in markdown(empty.view, "en")


def test_off_stops_only_this_spaces_chat_digests(bot):
    say(bot, "digest daily 08:00")
    [row] = _digests(bot)
    elsewhere = say(bot, f"digest off {row.id}", space=OTHER)
    assert not elsewhere.ok and elsewhere.view.kind is ErrorKind.NOT_FOUND
    reply = say(bot, f"digest off {row.id}")
    assert reply.ok and isinstance(reply.view, DigestStoppedView)
    assert not _digests(bot)[0].enabled
    assert say(bot, "digest").view.digests == ()
    sync_configured_digests(bot.db, [DigestSettings(space=ROOM)], NOW)
    config_id = _digests(bot)[-1].id
    refused = say(bot, f"digest off {config_id}")
    assert not refused.ok and refused.view.kind is ErrorKind.REFUSED


def test_digest_now_shows_the_digest_and_becomes_the_baseline(bot):
    say(bot, "digest daily 08:00 Europe/Prague errors")
    reply = say(bot, "digest now", role=Role.VIEWER)
    assert reply.ok and isinstance(reply.view, DigestView)
    assert reply.view.report.content.value == "errors"
    with bot.db.uow() as uow:
        [run] = uow.session.scalars(sa.select(DigestRunRow)).all()
        assert run.summary["posted"] is True
    assert "Errors (16)" in markdown(reply.view, "en")


def test_digest_now_without_a_space_is_a_preview(bot):
    reply = say(bot, "digest now", space=None)
    assert reply.ok and isinstance(reply.view, DigestView)
    with bot.db.uow() as uow:
        assert uow.session.scalar(sa.select(sa.func.count()).select_from(DigestRunRow)) == 0
    assert not say(bot, "digest", space=None).ok


def test_the_card_button_runs_digest_now(bot):
    from commands.runner import run_action

    ctx = CommandContext(
        service=bot.service,
        actor=Actor("viewer@example.com", via="card", space_id=ROOM),
        role=Role.VIEWER,
        clock=bot.clock,
        db=bot.db,
        files_dir=bot.files_dir,
    )
    reply = run_action("digest.now", {"action": "digest.now"}, ctx)
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
def test_a_second_identical_digest_is_refused_naming_the_first(bot, first, again, named):
    assert say(bot, first).ok
    reply = say(bot, again)
    assert not reply.ok and isinstance(reply.view, ErrorView), reply
    text = render_markdown(reply.view, "en")
    assert "already has digest **#1**" in text and named in text, text
    assert "`digest off 1`" in text
    assert len(_digests(bot)) == 1
    card = render_card(reply.view, "cs")
    assert card is not None and "už má přehled #1: " in card_text(card)
    assert "už má přehled **#1**" in render_markdown(reply.view, "cs")


def test_the_same_time_with_other_content_or_zone_or_space_is_a_new_digest(bot):
    assert say(bot, "digest daily 08:00 errors").ok
    assert say(bot, "digest daily 08:00 pending").ok
    assert say(bot, "digest daily 08:00 Europe/Prague errors").ok
    assert say(bot, "digest daily 08:00 errors", space=OTHER).ok
    assert say(bot, "digest off 1").ok
    assert say(bot, "digest daily 08:00 errors").ok  # the stopped one is no twin
    assert len(_digests(bot)) == 5
