"""``history <user>``: every status change stored once, with what caused it (issue 14, point 1).

On the sandbox: a user in error is retried by an admin (a command), then the sandbox's own moves
(the sync) take them through provisioning to provisioned; ``history`` shows the three changes
newest first with their causes, the retry in between, in English and Czech. Against the Webex
stand-in: a change Webex reports is stored by the sync in the page's transaction, and a second
sync process that sees the same change stores nothing more.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.bootstrap import Bot, build_bot
from bot.local.admin_api import AdminApiServer, AdminApiState
from bot.settings import Settings
from commands.history_views import HistoryView
from onboarding.clock import ManualClock
from onboarding.history import Cause, Change, Deed, prune
from onboarding.model import ProvisioningStatus
from onboarding.providers.sandbox import retry_outcome
from onboarding.providers.webex import WebexProvider
from storage.models import AuditEntryRow, StatusTransitionRow, SubscriberRow
from storage.transitions import NewTransition
from storage.uow import Database
from tests.integration import test_digest_webex_sync as webex_digest
from tests.integration import test_webex_provider as contract
from tests.support.chat import ACCESS, ADMIN, VIEWER, Chat

admin = contract.admin
server = contract.server
sleeps = contract.sleeps

_PS = ProvisioningStatus
STEP = timedelta(hours=1)  # the chat bot's sandbox step (SandboxSettings(step_seconds=3600))


def _failed_user(bot: Bot) -> SubscriberRow:
    with bot.db.uow() as uow:
        stmt = sa.select(SubscriberRow).where(SubscriberRow.status == _PS.ERROR.value)
        return next(iter(uow.session.scalars(stmt.order_by(SubscriberRow.id))))


def _good_email(bot: Bot, sub: SubscriberRow) -> str:
    """An email the sandbox provisions this user with (one in ten fails by hash)."""
    for n in range(50):
        email = f"history.{n}@newmail.example"
        if retry_outcome(0, sub.id, email).status is _PS.PROVISIONED:
            return email
    raise AssertionError("no email provisions")


def _rows(db: Database, user_id: str) -> list[StatusTransitionRow]:
    with db.uow() as uow:
        stmt = sa.select(StatusTransitionRow).where(StatusTransitionRow.user_id == user_id)
        return list(uow.session.scalars(stmt.order_by(StatusTransitionRow.at)))


def test_a_retry_and_the_sync_make_three_entries_with_their_causes(
    chat: Chat, clock: ManualClock
) -> None:
    sub = _failed_user(chat.bot)
    email = _good_email(chat.bot, sub)
    assert chat.say(f"retry {sub.user_id} {email}").ok
    clock.advance(STEP * 10)  # validation, provisioning and its outcome are all due

    said = chat.say(f"history {sub.user_id}", who=VIEWER)
    assert said.ok and isinstance(said.view, HistoryView), said.markdown
    timeline = said.view.timeline
    assert [(c.before, c.after, c.cause) for c in timeline.changes] == [
        (_PS.PROVISIONING, _PS.PROVISIONED, Cause.SYNC),
        (_PS.PENDING_EMAIL_VALIDATION, _PS.PROVISIONING, Cause.SYNC),
        (_PS.ERROR, _PS.PENDING_EMAIL_VALIDATION, Cause.COMMAND),
    ]
    [retried] = timeline.deeds
    assert (retried.actor, retried.action, retried.result, retried.text) == (
        ADMIN,
        "retry",
        "ok",
        email,
    )
    # The retry's change points at the retry's audit entry; newest first, the deed just below.
    command = timeline.changes[-1]
    assert command.actor == ADMIN and command.audit_id == retried.audit_id is not None
    assert isinstance(timeline.events[-1], Deed) and isinstance(timeline.events[-2], Change)
    assert [e.at for e in timeline.events] == sorted((e.at for e in timeline.events), reverse=True)

    md = said.markdown
    assert md.index("→ **provisioned**") < md.index("→ **pending request (provisioning)**")
    assert md.count("reported by the provider (sync)") == 2
    assert f"command of {ADMIN} (audit entry #{retried.audit_id})" in md
    assert f"Retry activation with {email} — done" in md
    assert "times in error: 0 · retries: 1" in md  # the error before is older than the history
    cs = said.markdown_in("cs")
    assert "**zřízen**" in cs and "nahlásil poskytovatel (synchronizace)" in cs
    assert f"příkaz uživatele {ADMIN}" in cs and "Opakovat aktivaci s" in cs
    assert said.card is not None and "Show user" in str(said.card)


def test_every_change_is_stored_once_whatever_reads_it_again(
    chat: Chat, clock: ManualClock
) -> None:
    sub = _failed_user(chat.bot)
    assert chat.say(f"retry {sub.user_id} {_good_email(chat.bot, sub)}").ok
    clock.advance(STEP * 10)
    for _ in range(3):  # status, history and error all refresh the snapshot first
        assert chat.say(f"status {sub.user_id}", who=VIEWER).ok
        assert chat.say(f"history {sub.user_id}", who=VIEWER).ok
    assert len(_rows(chat.bot.db, sub.user_id)) == 3


def test_a_refused_retry_is_in_the_history_but_moves_no_one(chat: Chat) -> None:
    sub = _failed_user(chat.bot)
    assert not chat.say(f"retry {sub.user_id} not-an-email").ok
    said = chat.say(f"history {sub.user_id}")
    assert said.view.timeline.changes == ()  # type: ignore[union-attr]
    assert "No status change recorded yet." in said.markdown
    assert chat.say(f"retry {sub.user_id} not-an-email").result != "ok"


def test_history_of_someone_unknown_says_so_in_words(chat: Chat) -> None:
    said = chat.say("history nobody@nowhere.example", who=VIEWER)
    assert not said.ok and "nobody@nowhere.example" in said.markdown
    assert "Traceback" not in said.markdown
    assert not chat.say("history", who=VIEWER).ok


def test_retention_prunes_what_is_older_than_configured(chat: Chat, clock: ManualClock) -> None:
    sub = _failed_user(chat.bot)
    assert chat.say(f"retry {sub.user_id} {_good_email(chat.bot, sub)}").ok
    clock.advance(STEP * 10)
    assert chat.say(f"history {sub.user_id}").ok
    with chat.bot.db.uow() as uow:
        stored = uow.session.scalar(sa.select(sa.func.count(StatusTransitionRow.id)))
    assert stored and stored >= 3  # this user's three, and the moves of other demo users
    assert prune(chat.bot.db, clock.now(), days=180) == 0
    assert _rows(chat.bot.db, sub.user_id) != []
    assert prune(chat.bot.db, clock.now() + timedelta(days=181), days=180) == stored
    assert _rows(chat.bot.db, sub.user_id) == []


def test_two_processes_recording_the_same_change_store_one_row(database: Database) -> None:
    other = Database(database.engine)  # a second process's own sessions
    change = NewTransition(
        user_id="4205550000@voip.example",
        subscriber_id="sub-1",
        customer_id="acme-cz",
        email="a@acme.example",
        from_status="error",
        to_status="provisioning",
        at=datetime(2026, 1, 15, 9, 0, tzinfo=UTC),
    )
    with database.uow() as first, other.uow() as second:
        assert first.history.record(change)
        first.commit()
        assert not second.history.record(change)
        second.commit()
    with database.uow() as uow:
        assert uow.session.scalar(sa.select(sa.func.count(StatusTransitionRow.id))) == 1


# --- the Webex provider: the sync reports the changes ----------------------------------------


@pytest.fixture
def webex_bot(
    database: Database,
    clock: ManualClock,
    server: AdminApiServer,
    sleeps: list[float],
    tmp_path: Path,
) -> Bot:
    provider = contract.make_provider(database, clock, server, sleeps)
    settings = Settings(access=ACCESS, files_dir=tmp_path / "files", commands_per_minute=1000)
    return build_bot(settings, db=database, clock=clock, provider=provider, migrate=False)


def test_the_webex_sync_stores_a_change_once_for_two_sync_processes(
    webex_bot: Bot,
    database: Database,
    clock: ManualClock,
    server: AdminApiServer,
    admin: AdminApiState,
    sleeps: list[float],
) -> None:
    chat = Chat(webex_bot)
    failing = webex_digest._first(admin, "provisioned")
    assert chat.say(f"status {failing['userId']}").ok  # the first (full) sync
    assert _rows(database, failing["userId"]) == []  # seen for the first time: no change yet

    clock.advance(timedelta(minutes=20))
    webex_digest._change_status(admin, failing["id"], "error", [webex_digest.FRESH_ERROR])
    # A second process, its sync started before the first one's page committed: it read the
    # snapshot as it was, so it sees the same change and tries to store it too.
    second: WebexProvider = contract.make_provider(Database(database.engine), clock, server, sleeps)
    webex_bot.provider.refresh(force=True)
    with database.uow() as uow:
        row = uow.subscribers.get(failing["id"])
        assert row is not None and row.status == "error"
        row.status = "provisioned"  # the stale snapshot the second process read
        uow.commit()
    second.refresh(force=True)

    [stored] = _rows(database, failing["userId"])
    assert (stored.from_status, stored.to_status, stored.cause) == ("provisioned", "error", "sync")
    assert stored.error_code == webex_digest.FRESH_ERROR["errorCode"]
    assert stored.error_text == webex_digest.FRESH_ERROR["description"]

    said = chat.say(f"history {failing['userId']}", who=VIEWER)
    assert said.ok and "reported by the provider (sync)" in said.markdown
    assert webex_digest.FRESH_ERROR["description"] in said.markdown
    assert "nahlásil poskytovatel (synchronizace)" in said.markdown_in("cs")
    with database.uow() as uow:
        entries = uow.session.scalars(sa.select(AuditEntryRow.action)).all()
    assert "history" in entries


def test_the_leader_prunes_by_the_configured_retention(
    sqlite_database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    from bot.periodic import default_chores, run_due
    from tests.support.chat import chat_bot

    bot = chat_bot(sqlite_database, clock, tmp_path, history_days=30)
    old = NewTransition(
        user_id="4205550001@voip.example",
        subscriber_id="sub-old",
        customer_id="acme-cz",
        email=None,
        from_status="error",
        to_status="provisioning",
        at=clock.now() - timedelta(days=31),
    )
    recent = dataclasses.replace(old, at=clock.now() - timedelta(days=29))
    with bot.db.uow() as uow:
        assert uow.history.record(old) and uow.history.record(recent)
        uow.commit()
    chores = default_chores(bot)
    run_due(bot, chores, now=lambda: 0.0)
    assert [r.at for r in _rows(bot.db, old.user_id)] == [recent.at]
    with bot.db.uow() as uow:  # within the hour the next heartbeat does not prune again
        assert uow.history.record(old)
        uow.commit()
    run_due(bot, chores, now=lambda: 10.0)
    assert len(_rows(bot.db, old.user_id)) == 2
