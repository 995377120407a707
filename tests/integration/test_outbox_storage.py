"""The outbox stores a message once per dedupe key and hands each due row to one sender."""

from __future__ import annotations

from datetime import timedelta

import pytest

from onboarding.clock import ManualClock
from storage.outbox import OutgoingMessage
from storage.uow import Database


def test_enqueue_is_idempotent_per_key(database: Database, clock: ManualClock) -> None:
    msg = OutgoingMessage(room_id="r1", markdown="hello")
    with database.uow() as uow:
        assert uow.outbox.enqueue(msg, dedupe_key="evt-1:0", now=clock.now())
        assert not uow.outbox.enqueue(msg, dedupe_key="evt-1:0", now=clock.now())
        assert uow.outbox.enqueue(msg, dedupe_key="evt-1:1", now=clock.now())
        uow.commit()
    with database.uow() as uow:
        assert uow.outbox.depth() == 2


def test_claimed_rows_are_leased(database: Database, clock: ManualClock) -> None:
    with database.uow() as uow:
        uow.outbox.enqueue(OutgoingMessage(room_id="r", text="t"), dedupe_key="k", now=clock.now())
        uow.commit()
    with database.uow() as uow:
        first = uow.outbox.claim_due(now=clock.now(), lease=timedelta(seconds=30))
        uow.commit()
    assert len(first) == 1
    with database.uow() as uow:
        assert uow.outbox.claim_due(now=clock.now(), lease=timedelta(seconds=30)) == []
    clock.advance(timedelta(seconds=31))
    with database.uow() as uow:
        again = uow.outbox.claim_due(now=clock.now(), lease=timedelta(seconds=30))
        assert [r.id for r in again] == [first[0].id]
        uow.outbox.mark_delivered(again[0], now=clock.now(), message_id="m1")
        uow.commit()
    with database.uow() as uow:
        assert uow.outbox.depth() == 0
        assert uow.outbox.by_status() == {"delivered": 1}


def test_reschedule_and_fail(database: Database, clock: ManualClock) -> None:
    with database.uow() as uow:
        uow.outbox.enqueue(OutgoingMessage(room_id="r", text="t"), dedupe_key="k", now=clock.now())
        uow.commit()
    with database.uow() as uow:
        (row,) = uow.outbox.claim_due(now=clock.now(), lease=timedelta(seconds=30))
        uow.outbox.reschedule(row, at=clock.now() + timedelta(seconds=5), error="429")
        uow.commit()
    with database.uow() as uow:
        assert uow.outbox.claim_due(now=clock.now(), lease=timedelta(seconds=30)) == []
        assert uow.outbox.next_due() == clock.now() + timedelta(seconds=5)
    clock.advance(timedelta(seconds=5))
    with database.uow() as uow:
        (row,) = uow.outbox.claim_due(now=clock.now(), lease=timedelta(seconds=30))
        uow.outbox.mark_failed(row, error="gave up")
        uow.commit()
    with database.uow() as uow:
        assert uow.outbox.by_status() == {"failed": 1}
        assert uow.outbox.depth() == 0


def test_message_needs_a_destination_and_content() -> None:
    with pytest.raises(ValueError):
        OutgoingMessage(markdown="x")
    with pytest.raises(ValueError):
        OutgoingMessage(room_id="r")
