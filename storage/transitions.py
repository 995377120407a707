"""The status history: one row per status change of a subscriber (``status_transitions``).

A change is inserted under its unique (user, new status, when) key with ``ON CONFLICT DO
NOTHING``, inside the caller's transaction, so it commits or rolls back with the snapshot change
it describes, and two processes that see the same change store it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import AuditEntryRow, StatusTransitionRow


@dataclass(frozen=True, slots=True)
class NewTransition:
    """A status change to store (the columns of ``status_transitions`` but the id)."""

    user_id: str
    subscriber_id: str
    customer_id: str
    email: str | None
    from_status: str | None
    to_status: str
    at: datetime
    error_code: int | None = None
    error_text: str | None = None
    cause: str = "sync"
    actor: str | None = None
    cause_ref: str | None = None


class TransitionRepository:
    """Status changes: record once, read a user's timeline, link to audit entries, prune."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, change: NewTransition) -> bool:
        """Store ``change`` unless it is stored already; True when this call stored it."""
        values: dict[str, Any] = {
            "user_id": change.user_id,
            "subscriber_id": change.subscriber_id,
            "customer_id": change.customer_id,
            "email": change.email,
            "from_status": change.from_status,
            "to_status": change.to_status,
            "at": change.at,
            "day": change.at.astimezone(UTC).date(),
            "error_code": change.error_code,
            "error_text": change.error_text,
            "cause": change.cause,
            "actor": change.actor,
            "cause_ref": change.cause_ref,
        }
        keys = ["user_id", "to_status", "at"]
        insert = (
            pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        )
        stmt = (
            insert(StatusTransitionRow)
            .values(values)
            .on_conflict_do_nothing(index_elements=keys)
            .returning(StatusTransitionRow.id)
        )
        # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT DO NOTHING.
        # Core on the session's connection: no autoflush, and the row joins this transaction.
        return self.session.connection().execute(stmt).first() is not None

    def for_user(self, user_id: str, *, limit: int = 50) -> list[StatusTransitionRow]:
        """The user's latest changes, newest first."""
        stmt = (
            sa.select(StatusTransitionRow)
            .where(StatusTransitionRow.user_id == user_id)
            .order_by(StatusTransitionRow.at.desc(), StatusTransitionRow.id.desc())
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def audit_for(
        self,
        targets: Sequence[str],
        *,
        actions: Sequence[str],
        ids: Sequence[int] = (),
        limit: int = 50,
    ) -> list[AuditEntryRow]:
        """The latest audit entries of ``actions`` on any of ``targets`` (or with one of
        ``ids``), newest first."""
        which = sa.or_(AuditEntryRow.target.in_(list(targets)), AuditEntryRow.id.in_(list(ids)))
        stmt = (
            sa.select(AuditEntryRow)
            .where(which, AuditEntryRow.action.in_(list(actions)))
            .order_by(AuditEntryRow.at.desc(), AuditEntryRow.id.desc())
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def link_audit(self, cause_ref: str, audit_id: int) -> int:
        """Point the changes one action made at the audit entry that records the action."""
        stmt = (
            sa.update(StatusTransitionRow)
            .where(StatusTransitionRow.cause_ref == cause_ref)
            .values(audit_id=audit_id)
        )
        return int(getattr(self.session.execute(stmt), "rowcount", 0) or 0)

    def prune(self, before: datetime) -> int:
        """Delete the changes older than ``before``; how many went."""
        stmt = sa.delete(StatusTransitionRow).where(StatusTransitionRow.at < before)
        return int(getattr(self.session.execute(stmt), "rowcount", 0) or 0)

    def daily_moves(
        self, start: date, *, customer: str | None = None
    ) -> list[tuple[date, str | None, str, int]]:
        """(day, from, to, how many) of the changes on ``start`` and the days after."""
        day = StatusTransitionRow.day
        stmt = sa.select(
            day, StatusTransitionRow.from_status, StatusTransitionRow.to_status, sa.func.count()
        ).where(day >= start)
        if customer is not None:
            stmt = stmt.where(StatusTransitionRow.customer_id == customer)
        stmt = stmt.group_by(day, StatusTransitionRow.from_status, StatusTransitionRow.to_status)
        return [(d, f, t, int(n)) for d, f, t, n in self.session.execute(stmt)]
