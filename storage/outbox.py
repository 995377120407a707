"""The outbox: every reply is stored before it is sent, so nothing is lost and nothing doubled.

A reply is enqueued under a dedupe key derived from what caused it (the webhook event, the digest
firing), so processing the same cause twice enqueues it once. Senders claim due rows with their
identity and a heartbeat (storage/claims.py; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so several
processes never send the same row, and only the oldest waiting row of each space (room or person),
so a space's replies go out in order while different spaces are sent in parallel.

States: ``pending`` (not sent), ``sending`` (a POST was made, or may have been, and its outcome is
not known: check Webex before sending again), ``delivered`` (with Webex's message id), ``failed``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from storage.claims import (
    CLAIM_BY,
    CLAIM_NOW,
    Claimant,
    ClaimStatement,
    claim_now,
    claim_parameters,
    claim_rows,
    claim_statement,
    head_of_space,
)
from storage.json_text import EncodedJSON
from storage.models import OutboxRow

PENDING = "pending"
SENDING = "sending"
WAITING = (PENDING, SENDING)
DELIVERED = "delivered"
FAILED = "failed"
#: The table, for the statements the worker and the senders run for every reply: Core on the
#: table, not ORM statements on the mapped class, whose bulk paths cost more than the SQL.
_OUTBOX = cast(sa.Table, OutboxRow.__table__)


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One Webex message to post: to a room (threaded under ``parent_id``) or to a person."""

    room_id: str | None = None
    to_person_email: str | None = None
    parent_id: str | None = None
    markdown: str | None = None
    text: str | None = None
    card: dict[str, Any] | None = None
    file_path: str | None = None

    def __post_init__(self) -> None:
        if not (self.room_id or self.to_person_email):
            raise ValueError("a message needs a room_id or a to_person_email")
        if not (self.markdown or self.text or self.file_path):
            raise ValueError("a message needs markdown, text or a file")


def space_key_of(message: OutgoingMessage) -> str | None:
    """What keeps replies in order: the room, or the person for a direct message by email."""
    return message.room_id or message.to_person_email


def message_of(row: OutboxRow) -> OutgoingMessage:
    """The message stored in an outbox row."""
    return OutgoingMessage(
        room_id=row.room_id,
        to_person_email=row.to_person_email,
        parent_id=row.parent_id,
        markdown=row.markdown,
        text=row.text,
        card=row.card,
        file_path=row.file_path,
    )


@functools.cache
def _claim_statement(dialect: str, limit: int) -> ClaimStatement:
    claimable = sa.and_(
        OutboxRow.status.in_(WAITING),
        OutboxRow.next_attempt_at <= claim_now(),
        head_of_space(OutboxRow, "space_key", WAITING),
    )
    # One UPDATE ... RETURNING (storage/claims.py): on SQLite (no SKIP LOCKED) two processes
    # may both look at the same row, but only one UPDATE can still find it free.
    order = (OutboxRow.next_attempt_at, OutboxRow.id)
    return claim_statement(dialect, OutboxRow, claimable, order, limit)


@functools.cache
def _enqueue_statement(dialect: str) -> Any:
    # Built once, run with the values as parameters: building it was a third of an enqueue. On
    # the table, not the mapped class: an ORM insert went through the ORM's bulk-insert
    # machinery for one row, a tenth of a worker process's CPU in a burst (py-spy).
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(_OUTBOX)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(_OUTBOX.c.id)
    )


def _values(
    message: OutgoingMessage,
    dedupe_key: str,
    now: datetime,
    correlation_id: str | None,
    about: str | None,
    asked_at: datetime | None,
) -> dict[str, Any]:
    return {
        "dedupe_key": dedupe_key,
        "created_at": now,
        "room_id": message.room_id,
        "to_person_email": message.to_person_email,
        "parent_id": message.parent_id,
        "markdown": message.markdown,
        "text": message.text,
        # Encoded here once: the row stores this text and the sender posts it (json_text.py).
        "card": None if message.card is None else EncodedJSON.of(message.card),
        "file_path": message.file_path,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "correlation_id": correlation_id,
        "space_key": space_key_of(message),
        "about": about[:300] if about else None,
        "asked_at": asked_at,
    }


@functools.cache
def _claim_new_statement() -> Any:
    now = claim_now()
    return (
        _OUTBOX.update()
        .where(
            _OUTBOX.c.id == sa.bindparam("new_id"),
            _OUTBOX.c.status == PENDING,
            _OUTBOX.c.claimed_by.is_(None),
            head_of_space(_OUTBOX, "space_key", WAITING),
        )
        .values(claimed_by=sa.bindparam(CLAIM_BY), heartbeat_at=now, status=SENDING, sending_at=now)
    )


@functools.cache
def _mark_sending_statement(by_claimant: bool) -> Any:
    stmt = _OUTBOX.update().where(
        _OUTBOX.c.id == sa.bindparam("row_id"), _OUTBOX.c.status.in_(WAITING)
    )
    if by_claimant:
        stmt = stmt.where(_OUTBOX.c.claimed_by == sa.bindparam("by"))
    return stmt.values(status=SENDING, sending_at=sa.bindparam("now"))


@functools.cache
def _mark_delivered_statement() -> Any:
    return (
        _OUTBOX.update()
        .where(_OUTBOX.c.id == sa.bindparam("row_id"), _OUTBOX.c.status != DELIVERED)
        .values(
            status=DELIVERED,
            delivered_at=sa.bindparam("now"),
            message_id=sa.bindparam("delivered_message_id"),
            locked_until=None,
            attempts=_OUTBOX.c.attempts + 1,
            claimed_by=None,
            heartbeat_at=None,
        )
    )


class OutboxRepository:
    """Enqueue, claim, and settle outgoing messages."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def enqueue(
        self,
        message: OutgoingMessage,
        *,
        dedupe_key: str,
        now: datetime,
        correlation_id: str | None = None,
        about: str | None = None,
        asked_at: datetime | None = None,
    ) -> bool:
        """Store ``message`` unless ``dedupe_key`` is already there; True when stored.

        ``about`` (the command, as the person typed it) and ``asked_at`` word the notice sent to
        the space if the reply cannot be delivered before its retry horizon.
        """
        values = _values(message, dedupe_key, now, correlation_id, about, asked_at)
        return self._insert(values) is not None

    def enqueue_claimed(
        self,
        message: OutgoingMessage,
        *,
        dedupe_key: str,
        now: datetime,
        by: Claimant,
        correlation_id: str | None = None,
        about: str | None = None,
        asked_at: datetime | None = None,
    ) -> OutboxRow | None:
        """``enqueue``, and claim the row for ``by``, already ``sending``, if it is the head of
        its space: the row to post (not attached to any session); None when it was there
        already or waits behind an older row of its space (then the sender pool claims it).

        The worker hands such a row straight to a sender: no claim query, no wait for the
        sender's feeder, no separate "sending" commit. A crash before its POST leaves it
        ``sending`` under a claim that goes stale, so whoever takes it checks Webex first.
        """
        values = _values(message, dedupe_key, now, correlation_id, about, asked_at)
        new_id = self._insert(values)
        if new_id is None:
            return None
        params = {"new_id": new_id, CLAIM_NOW: now, CLAIM_BY: by.identity}
        if not self.session.execute(_claim_new_statement(), params).rowcount:  # type: ignore[attr-defined]
            return None
        values.update(status=SENDING, sending_at=now, claimed_by=by.identity, heartbeat_at=now)
        return OutboxRow(id=new_id, **values)

    def _insert(self, values: dict[str, Any]) -> int | None:
        statement = _enqueue_statement(self.session.get_bind().dialect.name)
        # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT DO NOTHING.
        found = self.session.execute(statement, values).scalar()
        return None if found is None else int(found)

    def claim_due(self, *, by: Claimant, now: datetime, limit: int = 1) -> list[OutboxRow]:
        """Take up to ``limit`` due rows, each the oldest waiting row of its space."""
        dialect = self.session.get_bind().dialect.name
        statement = _claim_statement(dialect, limit)
        return claim_rows(self.session, statement, claim_parameters(by, now))

    def mark_sending(self, row: OutboxRow, *, now: datetime, by: str | None = None) -> bool:
        """A POST is about to be made: from now on, a retry checks Webex before sending again.

        One UPDATE, no read first (the sender runs it for every reply). False when the row is
        no longer waiting (delivered, failed) or, with ``by``, no longer claimed by ``by``:
        another sender took it over while this one stalled, and that one sends it.
        """
        params = {"row_id": row.id, "now": now, "by": by}
        result = self.session.execute(_mark_sending_statement(by is not None), params)
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        set_committed_value(row, "status", SENDING)
        set_committed_value(row, "sending_at", now)
        return True

    def mark_delivered(self, row: OutboxRow, *, now: datetime, message_id: str | None) -> bool:
        """The message reached Webex; False when it was marked delivered already (one UPDATE)."""
        params = {"row_id": row.id, "now": now, "delivered_message_id": message_id}
        result = self.session.execute(_mark_delivered_statement(), params)
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        for name, value in (
            ("status", DELIVERED),
            ("delivered_at", now),
            ("message_id", message_id),
        ):
            set_committed_value(row, name, value)
        return True

    def reschedule(
        self, row: OutboxRow, *, at: datetime, error: str, uncertain: bool = False
    ) -> None:
        """Try again at ``at``; ``uncertain``: the message may have landed, check first."""
        row.attempts += 1
        row.status = SENDING if uncertain else PENDING
        row.next_attempt_at = at
        row.locked_until = None
        row.last_error = error
        row.claimed_by = row.heartbeat_at = None

    def mark_failed(self, row: OutboxRow, *, error: str) -> None:
        """Give up on this message; it stays in the table as failed, for people to see."""
        row.attempts += 1
        row.status = FAILED
        row.locked_until = None
        row.last_error = error
        row.claimed_by = row.heartbeat_at = None

    def delivered_ids(self, space_key: str | None, *, since: datetime) -> set[str]:
        """Webex ids of the messages delivered to this space since ``since`` (known to be ours)."""
        stmt = sa.select(OutboxRow.message_id).where(
            OutboxRow.space_key == space_key,
            OutboxRow.status == DELIVERED,
            OutboxRow.message_id.is_not(None),
            OutboxRow.delivered_at >= since,
        )
        return {m for m in self.session.scalars(stmt) if m}

    def prune(self, before: datetime, *, limit: int) -> tuple[int, list[str]]:
        """Delete up to ``limit`` delivered or failed rows created before ``before``, oldest
        first: how many went, and the files they had posted (an export, a chart), which no
        row needs any more. Waiting rows (pending, sending) are never deleted."""
        old = (
            sa.select(_OUTBOX.c.id, _OUTBOX.c.file_path)
            .where(_OUTBOX.c.status.in_((DELIVERED, FAILED)), _OUTBOX.c.created_at < before)
            .order_by(_OUTBOX.c.id)
            .limit(limit)
        )
        rows = self.session.execute(old).all()
        if not rows:
            return 0, []
        ids = [row.id for row in rows]
        self.session.execute(sa.delete(_OUTBOX).where(_OUTBOX.c.id.in_(ids)))
        return len(ids), [row.file_path for row in rows if row.file_path]

    def depth(self) -> int:
        """How many messages wait to be delivered."""
        stmt = sa.select(sa.func.count(OutboxRow.id)).where(OutboxRow.status.in_(WAITING))
        return self.session.scalar(stmt) or 0

    def by_status(self) -> dict[str, int]:
        """How many messages are in each status."""
        stmt = sa.select(OutboxRow.status, sa.func.count()).group_by(OutboxRow.status)
        return {status: n for status, n in self.session.execute(stmt)}

    def next_due(self) -> datetime | None:
        """When the next pending message is due (to sleep until then)."""
        stmt = sa.select(sa.func.min(OutboxRow.next_attempt_at)).where(
            OutboxRow.status.in_(WAITING)
        )
        return self.session.scalar(stmt)
