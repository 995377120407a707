"""The outbox: every reply is stored before it is sent, so nothing is lost and nothing doubled.

A reply is enqueued under a dedupe key derived from what caused it (the webhook event, the digest
firing), so processing the same cause twice enqueues it once. Senders claim due rows with a lease
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so several processes never send the same row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import OutboxRow

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"


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
    ) -> bool:
        """Store ``message`` unless ``dedupe_key`` is already there; True when stored."""
        values = {
            "dedupe_key": dedupe_key,
            "created_at": now,
            "room_id": message.room_id,
            "to_person_email": message.to_person_email,
            "parent_id": message.parent_id,
            "markdown": message.markdown,
            "text": message.text,
            "card": message.card,
            "file_path": message.file_path,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "correlation_id": correlation_id,
        }
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = (
            insert(OutboxRow)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(OutboxRow.id)
        )
        # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT DO NOTHING.
        return self.session.execute(stmt).scalar() is not None

    def claim_due(self, *, now: datetime, lease: timedelta, limit: int = 10) -> list[OutboxRow]:
        """Take up to ``limit`` due rows; no other sender takes them until the lease ends."""
        stmt = (
            sa.select(OutboxRow)
            .where(
                OutboxRow.status == PENDING,
                OutboxRow.next_attempt_at <= now,
                sa.or_(OutboxRow.locked_until.is_(None), OutboxRow.locked_until <= now),
            )
            .order_by(OutboxRow.next_attempt_at, OutboxRow.id)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        claimed = []
        for row in self.session.scalars(stmt).all():
            # A guarded UPDATE per row: on SQLite (no SKIP LOCKED) two processes may select the
            # same row, but only one UPDATE can still find it free, and only that one sends it.
            won = self.session.execute(
                sa.update(OutboxRow)
                .where(
                    OutboxRow.id == row.id,
                    OutboxRow.status == PENDING,
                    sa.or_(OutboxRow.locked_until.is_(None), OutboxRow.locked_until <= now),
                )
                .values(locked_until=now + lease)
                .execution_options(synchronize_session=False)
            )
            if won.rowcount == 1:  # type: ignore[attr-defined]
                self.session.refresh(row)
                claimed.append(row)
        return claimed

    def mark_delivered(self, row: OutboxRow, *, now: datetime, message_id: str | None) -> None:
        """The message reached Webex."""
        row.status = DELIVERED
        row.delivered_at = now
        row.message_id = message_id
        row.locked_until = None
        row.attempts += 1

    def reschedule(self, row: OutboxRow, *, at: datetime, error: str) -> None:
        """Try again at ``at`` (after a 429, a 5xx or a timeout)."""
        row.attempts += 1
        row.next_attempt_at = at
        row.locked_until = None
        row.last_error = error

    def mark_failed(self, row: OutboxRow, *, error: str) -> None:
        """Give up on this message; it stays in the table as failed, for people to see."""
        row.attempts += 1
        row.status = FAILED
        row.locked_until = None
        row.last_error = error

    def depth(self) -> int:
        """How many messages wait to be delivered."""
        stmt = sa.select(sa.func.count(OutboxRow.id)).where(OutboxRow.status == PENDING)
        return self.session.scalar(stmt) or 0

    def by_status(self) -> dict[str, int]:
        """How many messages are in each status."""
        stmt = sa.select(OutboxRow.status, sa.func.count()).group_by(OutboxRow.status)
        return {status: n for status, n in self.session.execute(stmt)}

    def next_due(self) -> datetime | None:
        """When the next pending message is due (to sleep until then)."""
        stmt = sa.select(sa.func.min(OutboxRow.next_attempt_at)).where(OutboxRow.status == PENDING)
        return self.session.scalar(stmt)
