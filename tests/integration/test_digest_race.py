"""Two admins adding the same digest at once: the unique index (0009) lets one in, and the
other gets the same answer the twin check gives, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from onboarding.clock import ManualClock
from onboarding.digest import Content, Source, add_digest
from storage.digests import DigestRepository, DuplicateDigest
from storage.models import DigestRow
from tests.support.chat import Chat
from tests.support.chat import chat_bot as build_chat_bot

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
ROOM = "room-1"


def _row(created_by: str) -> DigestRow:
    return DigestRow(
        space_id=ROOM,
        cron="0 8 * * *",
        timezone="UTC",
        content="errors",
        quiet=False,
        source="chat",
        created_by=created_by,
        created_at=NOW,
        enabled=True,
    )


def test_two_units_of_work_adding_the_same_digest_at_once_store_one(database) -> None:
    first_flushed, let_first_commit = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        with database.uow() as uow:
            uow.digests.add(_row("a@example.com"))  # written, not yet committed
            first_flushed.set()
            let_first_commit.wait(10)
            uow.commit()
        outcome["first"] = "stored"

    def second() -> None:
        first_flushed.wait(10)
        try:
            with database.uow() as uow:  # waits on the first one's row (or database lock)
                uow.digests.add(_row("b@example.com"))
                uow.commit()
            outcome["second"] = "stored"
        except DuplicateDigest:
            outcome["second"] = "duplicate"

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_flushed.wait(10)
    let_first_commit.set()
    for thread in threads:
        thread.join(20)
    assert outcome == {"first": "stored", "second": "duplicate"}
    with database.uow() as uow:
        assert [r.created_by for r in uow.digests.for_space(ROOM)] == ["a@example.com"]


def test_a_config_digest_and_a_stopped_one_do_not_count_as_twins(database) -> None:
    with database.uow() as uow:
        uow.digests.add(_row("a@example.com")).enabled = False
        config = _row("config")
        config.source = "config"
        uow.digests.add(config)
        uow.digests.add(_row("b@example.com"))
        uow.commit()
    with pytest.raises(DuplicateDigest):
        add_digest(
            database,
            space_id=ROOM,
            cron="0 8 * * *",
            timezone="UTC",
            content=Content.ERRORS,
            quiet=False,
            source=Source.CHAT,
            created_by="c@example.com",
            now=NOW,
        )


def test_the_admin_who_lost_the_race_gets_the_twin_answer(
    database, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = Chat(build_chat_bot(database, ManualClock(NOW), tmp_path), space=ROOM)
    assert chat.say("digest daily 08:00 errors").ok
    # The other admin's digest landed after this one's check read: the check sees nothing.
    checks = iter([None])
    real = DigestRepository.same_schedule
    monkeypatch.setattr(
        DigestRepository,
        "same_schedule",
        lambda self, *a, **kw: _once(real, checks, self, a, kw),
    )
    reply = chat.say("digest daily 08:00 errors")
    assert not reply.ok
    assert "already has digest **#1**" in reply.markdown, reply.markdown
    assert "`digest off 1`" in reply.markdown


def _once(real, checks, self, args, kwargs):
    """None the first time (the racing insert is not visible yet), the real read after."""
    try:
        return next(checks)
    except StopIteration:
        return real(self, *args, **kwargs)
