"""The outbox stores a message once per dedupe key and hands each due row to one sender.

Claims live as long as their heartbeat; a restart takes back its own at once; a space is sent in
order (its oldest waiting row first), different spaces side by side.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from onboarding.clock import ManualClock
from storage import claims
from storage.claims import Claimant
from storage.json_text import EncodedJSON
from storage.models import OutboxRow
from storage.outbox import OutgoingMessage
from storage.uow import Database

ONE = Claimant("host:1#aaaa", stale_after=timedelta(seconds=5))
OTHER = Claimant("host:2#bbbb", stale_after=timedelta(seconds=5))
RESTARTED = Claimant("host:1#cccc", stale_after=timedelta(seconds=5))


def test_enqueue_is_idempotent_per_key(database: Database, clock: ManualClock) -> None:
    msg = OutgoingMessage(room_id="r1", markdown="hello")
    with database.uow() as uow:
        assert uow.outbox.enqueue(msg, dedupe_key="evt-1:0", now=clock.now())
        assert not uow.outbox.enqueue(msg, dedupe_key="evt-1:0", now=clock.now())
        assert uow.outbox.enqueue(msg, dedupe_key="evt-1:1", now=clock.now())
        uow.commit()
    with database.uow() as uow:
        assert uow.outbox.depth() == 2


def test_a_claim_is_held_while_its_heartbeat_lives(database: Database, clock: ManualClock) -> None:
    with database.uow() as uow:
        uow.outbox.enqueue(OutgoingMessage(room_id="r", text="t"), dedupe_key="k", now=clock.now())
        uow.commit()
    with database.uow() as uow:
        first = uow.outbox.claim_due(by=ONE, now=clock.now())
        uow.commit()
    assert len(first) == 1 and first[0].claimed_by == ONE.identity
    clock.advance(timedelta(seconds=4))
    with database.uow() as uow:
        assert uow.outbox.claim_due(by=OTHER, now=clock.now()) == []
        with ONE.held.holding(OutboxRow, first[0].id):
            claims.heartbeat(uow.session, ONE.held, ONE.identity, clock.now())
        uow.commit()
    clock.advance(timedelta(seconds=4))  # 8 s after the claim, 4 s after the heartbeat
    with database.uow() as uow:
        assert uow.outbox.claim_due(by=OTHER, now=clock.now()) == []
    clock.advance(timedelta(seconds=2))  # the heartbeat stopped 6 s ago: the claim is free
    with database.uow() as uow:
        again = uow.outbox.claim_due(by=OTHER, now=clock.now())
        assert [r.id for r in again] == [first[0].id]
        uow.outbox.mark_delivered(again[0], now=clock.now(), message_id="m1")
        uow.commit()
    with database.uow() as uow:
        assert uow.outbox.depth() == 0
        assert uow.outbox.by_status() == {"delivered": 1}


def test_a_restart_takes_back_its_claims_at_once(database: Database, clock: ManualClock) -> None:
    with database.uow() as uow:
        uow.outbox.enqueue(OutgoingMessage(room_id="r", text="t"), dedupe_key="k", now=clock.now())
        uow.commit()
    with database.uow() as uow:
        assert uow.outbox.claim_due(by=ONE, now=clock.now())
        uow.commit()
    with database.uow() as uow:  # a different instance does not touch them
        assert claims.release_previous(uow.session, (OutboxRow,), OTHER) == 0
        assert claims.release_previous(uow.session, (OutboxRow,), RESTARTED) == 1
        uow.commit()
    with database.uow() as uow:
        assert len(uow.outbox.claim_due(by=RESTARTED, now=clock.now())) == 1


def test_one_space_is_sent_in_order_others_in_parallel(
    database: Database, clock: ManualClock
) -> None:
    with database.uow() as uow:
        for n in range(3):
            for room in ("a", "b"):
                message = OutgoingMessage(room_id=room, text=f"{room}{n}")
                uow.outbox.enqueue(message, dedupe_key=f"{room}{n}", now=clock.now())
        uow.commit()
    with database.uow() as uow:
        heads = uow.outbox.claim_due(by=ONE, now=clock.now(), limit=10)
        uow.commit()
    assert sorted(r.text for r in heads) == ["a0", "b0"]  # one per space, the oldest
    with database.uow() as uow:
        assert uow.outbox.claim_due(by=OTHER, now=clock.now(), limit=10) == []
        a0 = next(r for r in heads if r.text == "a0")
        uow.outbox.reschedule(
            uow.session.get(OutboxRow, a0.id), at=clock.now() + timedelta(seconds=9), error="429"
        )
        uow.commit()
    with database.uow() as uow:  # a0 waits for its retry: a1 must not overtake it
        assert uow.outbox.claim_due(by=OTHER, now=clock.now(), limit=10) == []
        b0 = uow.session.get(OutboxRow, next(r for r in heads if r.text == "b0").id)
        uow.outbox.mark_delivered(b0, now=clock.now(), message_id="mb0")
        uow.commit()
    with database.uow() as uow:
        assert [r.text for r in uow.outbox.claim_due(by=OTHER, now=clock.now(), limit=10)] == ["b1"]


def test_reschedule_and_fail(database: Database, clock: ManualClock) -> None:
    with database.uow() as uow:
        uow.outbox.enqueue(OutgoingMessage(room_id="r", text="t"), dedupe_key="k", now=clock.now())
        uow.commit()
    with database.uow() as uow:
        (row,) = uow.outbox.claim_due(by=ONE, now=clock.now())
        uow.outbox.reschedule(row, at=clock.now() + timedelta(seconds=5), error="429")
        uow.commit()
    with database.uow() as uow:
        assert uow.outbox.claim_due(by=ONE, now=clock.now()) == []
        assert uow.outbox.next_due() == clock.now() + timedelta(seconds=5)
    clock.advance(timedelta(seconds=5))
    with database.uow() as uow:
        (row,) = uow.outbox.claim_due(by=ONE, now=clock.now())
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


def test_a_card_is_stored_as_the_text_it_was_encoded_as(
    database: Database, clock: ManualClock
) -> None:
    card = {"type": "AdaptiveCard", "version": "1.3", "body": [{"type": "TextBlock", "text": "ž"}]}
    # Indented: stored through json.dumps again, it would be compact.
    encoded = EncodedJSON(card, json.dumps(card, indent=1))
    plain = OutgoingMessage(room_id="r2", markdown="m", card=card)
    with database.uow() as uow:
        handed = uow.outbox.enqueue_claimed(
            OutgoingMessage(room_id="r1", markdown="m", card=encoded),
            dedupe_key="k1",
            now=clock.now(),
            by=ONE,
        )
        uow.outbox.enqueue(plain, dedupe_key="k2", now=clock.now())
        uow.commit()
    assert handed is not None and handed.card is encoded  # the sender posts this very text
    with database.uow() as uow:
        found = uow.session.execute(sa.text("SELECT room_id, card FROM outbox"))
        raw = {row.room_id: row.card for row in found}
        claimed = uow.outbox.claim_due(by=OTHER, now=clock.now(), limit=5)  # r1 is ONE's
    if database.engine.dialect.name == "sqlite":
        assert raw == {"r1": encoded.text, "r2": json.dumps(card)}
    else:  # jsonb keeps the value, not the text
        assert raw == {"r1": card, "r2": card}
    assert [(row.room_id, row.card) for row in claimed] == [("r2", card)]
