"""Handled events and delivered replies go after ``engine.keep_days``; waiting ones never."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.periodic import default_chores, prune_engine, run_due
from bot.settings import EngineSettings
from onboarding.clock import ManualClock
from storage.claims import Claimant
from storage.events import EventArrival
from storage.outbox import OutgoingMessage
from storage.uow import Database, UnitOfWork
from tests.support.chat import chat_bot

_ME = Claimant("host:1#prune")


def events(database: Database, clock: ManualClock, keys: list[str], *, settle: str | None) -> None:
    """Record events ``keys`` now, then settle them (``done``/``failed``) or leave them pending."""
    with database.uow() as uow:
        arrivals = [EventArrival(k, "messages", "created", {"id": k}, k, "space") for k in keys]
        uow.events.record_many(arrivals, now=clock.now())
        uow.commit()
    if settle is None:
        return
    with database.uow() as uow:
        for row in [uow.events.by_key(k) for k in keys]:
            assert row is not None
            if settle == "done":
                uow.events.mark_done(row, now=clock.now())
            else:
                uow.events.mark_failed(row, now=clock.now(), error="gone")
        uow.commit()


def replies(database: Database, clock: ManualClock, keys: list[str], *, deliver: bool) -> None:
    with database.uow() as uow:
        for key in keys:
            message = OutgoingMessage(room_id=f"room-{key}", markdown="hi")
            uow.outbox.enqueue(message, dedupe_key=key, now=clock.now())
        uow.commit()
    if deliver:
        with database.uow() as uow:
            for row in uow.outbox.claim_due(by=_ME, now=clock.now(), limit=100):
                if row.dedupe_key in keys:  # others stay waiting (claimed, as a sender has them)
                    uow.outbox.mark_delivered(row, now=clock.now(), message_id=f"m-{row.id}")
            uow.commit()


def left(database: Database) -> tuple[set[str], set[str]]:
    with database.uow() as uow:
        event_keys = {k for k in _keys(uow, "webhook_events", "event_key")}
        outbox_keys = {k for k in _keys(uow, "outbox", "dedupe_key")}
    return event_keys, outbox_keys


def _keys(uow: UnitOfWork, table: str, column: str) -> list[str]:
    return list(uow.session.scalars(sa.text(f"SELECT {column} FROM {table}")))


def test_old_handled_rows_go_and_waiting_or_recent_ones_stay(
    database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    bot = chat_bot(database, clock, tmp_path, engine=EngineSettings(keep_days=30))
    events(database, clock, ["old-done"], settle="done")
    events(database, clock, ["old-failed"], settle="failed")
    events(database, clock, ["old-pending"], settle=None)  # still being retried: stays
    replies(database, clock, ["old-delivered"], deliver=True)
    replies(database, clock, ["old-waiting"], deliver=False)
    clock.advance(timedelta(days=30, seconds=1))
    events(database, clock, ["new-done"], settle="done")
    replies(database, clock, ["new-delivered"], deliver=True)
    assert prune_engine(bot) == 3
    assert left(database) == (
        {"old-pending", "new-done"},
        {"old-waiting", "new-delivered"},
    )
    assert prune_engine(bot) == 0


def test_many_rows_go_in_batches_on_the_leaders_heartbeat(
    database: Database, clock: ManualClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.periodic.PRUNE_BATCH", 7)
    bot = chat_bot(database, clock, tmp_path, engine=EngineSettings(keep_days=1))
    events(database, clock, [f"e{n}" for n in range(20)], settle="done")
    replies(database, clock, [f"r{n}" for n in range(16)], deliver=True)
    clock.advance(timedelta(days=2))
    run_due(bot, [c for c in default_chores(bot) if c.name == "engine.prune"], now=lambda: 0.0)
    assert left(database) == (set(), set())


def test_the_files_old_replies_posted_go_with_them_and_only_the_bots_own(
    database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    bot = chat_bot(database, clock, tmp_path, engine=EngineSettings(keep_days=1))
    export = bot.files_dir / "export-1.csv"
    export.write_text("a,b\n")
    elsewhere = tmp_path / "not-ours.csv"  # a path outside files_dir is never deleted
    elsewhere.write_text("x\n")
    waiting = bot.files_dir / "export-2.csv"
    waiting.write_text("c,d\n")
    with database.uow() as uow:
        for key, path in (("f1", export), ("f2", elsewhere)):
            message = OutgoingMessage(room_id=f"room-{key}", file_path=str(path))
            uow.outbox.enqueue(message, dedupe_key=key, now=clock.now())
        uow.commit()
    with database.uow() as uow:
        for row in uow.outbox.claim_due(by=_ME, now=clock.now(), limit=10):
            uow.outbox.mark_delivered(row, now=clock.now(), message_id=f"m-{row.id}")
        message = OutgoingMessage(room_id="room-f3", file_path=str(waiting))
        uow.outbox.enqueue(message, dedupe_key="f3", now=clock.now())  # not sent yet
        uow.commit()
    clock.advance(timedelta(days=2))
    assert prune_engine(bot) == 2
    assert not export.exists() and elsewhere.exists() and waiting.exists()
