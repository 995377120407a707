"""Recorded webhook events: stored once under their event key, then worked off by a worker.

The intake records an event with ``INSERT ... ON CONFLICT DO NOTHING RETURNING id``, so a
redelivered (or concurrently delivered) event is detected by the database, not by a check-then-
insert race. Workers claim pending events (storage/claims.py): with their identity and a
heartbeat, oldest first and only the oldest waiting event of each space, so a space's commands run
in the order they were sent while different spaces run in parallel. Each claim is a compare-and-set
``UPDATE`` (on SQLite a plain ``SELECT`` runs outside any write transaction, so two workers could
otherwise read the same row), and PostgreSQL also skips rows other workers are claiming with
``FOR UPDATE SKIP LOCKED``. ``locked_until`` is when a retry is due; ``attempts`` counts claims.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from storage.claims import (
    Claimant,
    ClaimStatement,
    claim_now,
    claim_parameters,
    claim_rows,
    claim_statement,
    head_of_space,
)
from storage.models import WebhookEventRow

PENDING = "pending"
DONE = "done"
FAILED = "failed"
#: The table, for the Core statements the intake and the worker run for every event.
_EVENTS = cast(sa.Table, WebhookEventRow.__table__)


@functools.cache
def _record_statement(dialect: str) -> Any:
    # Built once per dialect and executed with the values as parameters: the intake runs it for
    # every webhook, and constructing the INSERT each time was most of its CPU (pyinstrument).
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(_EVENTS).on_conflict_do_nothing(index_elements=["event_key"]).returning(_EVENTS.c.id)
    )


@functools.cache
def _settle_statement(columns: tuple[str, ...]) -> Any:
    # A Core UPDATE of the table, built once per set of columns: the worker settles every event
    # with it, and an ORM flush of the changed row (a merge, then the unit of work) cost about
    # as much CPU as the command it settled.
    return (
        _EVENTS.update()
        .where(_EVENTS.c.id == sa.bindparam("row_id"))
        .values({name: sa.bindparam(f"new_{name}") for name in columns})
    )


@functools.cache
def _claim_statement(dialect: str, limit: int) -> ClaimStatement:
    now = claim_now()
    claimable = sa.and_(
        WebhookEventRow.status == PENDING,
        sa.or_(WebhookEventRow.locked_until.is_(None), WebhookEventRow.locked_until <= now),
        head_of_space(WebhookEventRow, "space_id", (PENDING,)),
    )
    values = {"attempts": WebhookEventRow.attempts + 1}
    order = (WebhookEventRow.id,)
    return claim_statement(dialect, WebhookEventRow, claimable, order, limit, values)


class WebhookEventRepository:
    """Record, claim and settle webhook events."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        *,
        event_key: str,
        resource: str,
        event: str,
        payload: Mapping[str, Any],
        now: datetime,
        correlation_id: str,
        space_id: str | None = None,
    ) -> bool:
        """Store the event unless its key is already there; True when it is new."""
        values = {
            "event_key": event_key,
            "resource": resource,
            "event": event,
            "payload": dict(payload),
            "received_at": now,
            "status": PENDING,
            "attempts": 0,
            "correlation_id": correlation_id,
            "space_id": space_id,
        }
        stmt = _record_statement(self._dialect())
        # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT DO NOTHING.
        return self.session.execute(stmt, values).scalar() is not None

    def make_due(self, event_key: str, *, now: datetime) -> bool:
        """A redelivery of a still pending event: due at once; False when it is not pending."""
        result = self.session.execute(
            sa.update(WebhookEventRow)
            .where(WebhookEventRow.event_key == event_key, WebhookEventRow.status == PENDING)
            .values(
                locked_until=sa.case(
                    (WebhookEventRow.locked_until > now, now), else_=WebhookEventRow.locked_until
                )
            )
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def claim(self, *, by: Claimant, now: datetime, limit: int = 1) -> list[WebhookEventRow]:
        """Take up to ``limit`` due events (oldest first, each the head of its space)."""
        statement = _claim_statement(self._dialect(), limit)
        return claim_rows(self.session, statement, claim_parameters(by, now))

    def get(self, event_id: int) -> WebhookEventRow | None:
        """An event by id."""
        return self.session.get(WebhookEventRow, event_id)

    def by_key(self, event_key: str) -> WebhookEventRow | None:
        """An event by its key."""
        return self.session.scalar(
            sa.select(WebhookEventRow).where(WebhookEventRow.event_key == event_key)
        )

    def mark_done(self, row: WebhookEventRow, *, now: datetime, note: str | None = None) -> None:
        """The event is handled (its replies, if any, are in the outbox)."""
        self._settle(row, status=DONE, processed_at=now, locked_until=None, error=note)

    def mark_failed(self, row: WebhookEventRow, *, now: datetime, error: str) -> None:
        """Give up on the event; it stays in the table as failed, for people to see."""
        self._settle(row, status=FAILED, processed_at=now, locked_until=None, error=error)

    def retry_at(self, row: WebhookEventRow, *, at: datetime, error: str) -> None:
        """Leave the event pending, not to be claimed before ``at``; the claim is dropped."""
        self._settle(row, locked_until=at, error=error)

    def _settle(self, row: WebhookEventRow, **values: Any) -> None:
        """One UPDATE by id, now, in the caller's transaction; ``row`` (attached to a session
        or not) shows the new values. The claim goes with it."""
        values.update(claimed_by=None, heartbeat_at=None)
        names = tuple(sorted(values))
        params = {f"new_{name}": values[name] for name in names}
        self.session.execute(_settle_statement(names), {"row_id": row.id, **params})
        for name, value in values.items():
            set_committed_value(row, name, value)

    def last_received_at(self) -> datetime | None:
        """When the newest event (of any intake) was recorded; None before the first."""
        return self.session.scalar(sa.select(sa.func.max(WebhookEventRow.received_at)))

    def pending_count(self) -> int:
        """How many events wait to be handled."""
        stmt = sa.select(sa.func.count(WebhookEventRow.id)).where(WebhookEventRow.status == PENDING)
        return self.session.scalar(stmt) or 0

    def by_status(self) -> dict[str, int]:
        """How many events are in each status."""
        stmt = sa.select(WebhookEventRow.status, sa.func.count()).group_by(WebhookEventRow.status)
        return {status: n for status, n in self.session.execute(stmt)}

    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name
