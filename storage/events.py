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

import enum
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

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
from storage.models import JournalImportRow, WebhookEventRow

if TYPE_CHECKING:
    from storage.journal import IntakeJournal

PENDING = "pending"
DONE = "done"
FAILED = "failed"
#: The table, for the Core statements the intake and the worker run for every event.
_EVENTS = cast(sa.Table, WebhookEventRow.__table__)
_IMPORTS = cast(sa.Table, JournalImportRow.__table__)
#: Journal rows moved into the table per import transaction, at most.
IMPORT_BATCH = 500


class Recorded(enum.Enum):
    """What recording an event found."""

    NEW = "accepted"
    PENDING = "pending"  # there already and still waiting: made due now
    DUPLICATE = "duplicate"  # there already and handled (or given up on)


@dataclass(frozen=True, slots=True)
class EventArrival:
    """An event as an intake received it, to be recorded under its key."""

    event_key: str
    resource: str
    event: str
    payload: Mapping[str, Any]
    correlation_id: str
    space_id: str | None = None

    def values(self, received_at: datetime) -> dict[str, Any]:
        """Its columns as recorded at ``received_at``: the event table and the intake journal
        (storage/journal.py) both hold these."""
        return {
            "event_key": self.event_key,
            "resource": self.resource,
            "event": self.event,
            "payload": dict(self.payload),
            "received_at": received_at,
            "correlation_id": self.correlation_id,
            "space_id": self.space_id,
        }


#: The columns of an event recorded for the first time, beside its arrival's.
NEW_EVENT = {"status": PENDING, "attempts": 0}


@functools.cache
def _record_statement(dialect: str) -> Any:
    # Built once per dialect and executed with the values as parameters: the intake runs it for
    # every webhook, and constructing the INSERT each time was most of its CPU (pyinstrument).
    # Executed with a list of rows, SQLAlchemy sends them as multi-row INSERTs ("insertmanyvalues")
    # and RETURNING names the keys that were new: the rows that hit ON CONFLICT return nothing.
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(_EVENTS)
        .on_conflict_do_nothing(index_elements=["event_key"])
        .returning(_EVENTS.c.event_key)
    )


@functools.cache
def _import_statement(dialect: str) -> Any:
    # An upsert: a key already there is a redelivery, made due now if it still waits (as
    # ``make_due`` does for the intake that records directly).
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    new = insert(_EVENTS)
    return new.on_conflict_do_update(
        index_elements=["event_key"],
        set_={
            "locked_until": sa.case(
                (_EVENTS.c.locked_until > new.excluded.received_at, new.excluded.received_at),
                else_=_EVENTS.c.locked_until,
            )
        },
        where=_EVENTS.c.status == PENDING,
    )


@functools.cache
def _advance_statement() -> Any:
    # Compare-and-set: only the importer that read ``seen`` moves the mark (and its rows).
    return (
        _IMPORTS.update()
        .where(_IMPORTS.c.id == 1, _IMPORTS.c.seq == sa.bindparam("seen"))
        .values(seq=sa.bindparam("upto"))
    )


@functools.cache
def _first_mark_statement(dialect: str) -> Any:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(_IMPORTS)
        .values(id=1, seq=sa.bindparam("upto"), token=sa.bindparam("token"))
        .on_conflict_do_nothing(index_elements=["id"])
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
        arrival = EventArrival(event_key, resource, event, payload, correlation_id, space_id)
        return bool(self.record_many([arrival], now=now))

    def record_many(self, arrivals: Sequence[EventArrival], *, now: datetime) -> set[str]:
        """Store each event whose key is not there yet, in one statement; the keys that were new.

        A key twice in ``arrivals`` is stored once (the second meets the first's row).
        """
        rows = [{**a.values(now), **NEW_EVENT} for a in arrivals]
        if not rows:
            return set()
        stmt = _record_statement(self._dialect())
        # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT DO NOTHING.
        return set(self.session.execute(stmt, rows).scalars())

    def imported_upto(self) -> int:
        """The highest intake journal sequence number moved into the table (0: none yet)."""
        return self.import_mark()[0]

    def import_mark(self) -> tuple[int, str | None]:
        """How far the intake journal has been imported, and the token of the journal imported
        (None before the first import)."""
        row = self.session.execute(
            sa.select(_IMPORTS.c.seq, _IMPORTS.c.token).where(_IMPORTS.c.id == 1)
        ).first()
        return (0, None) if row is None else (int(row.seq or 0), row.token)

    def _mark(self) -> int | None:
        return self.session.scalar(sa.select(_IMPORTS.c.seq).where(_IMPORTS.c.id == 1))

    def import_journal(self, journal: IntakeJournal, *, limit: int | None = None) -> int:
        """Move the journal's next rows (``IMPORT_BATCH`` at most) into the table, in the
        caller's transaction; how many.

        0 when there was nothing, or another importer moved the same rows first (its
        compare-and-set won). The rows keep the journal's order, so their ids keep it too.
        """
        mark = self._mark()
        seen = mark or 0
        rows = journal.after(seen, limit or IMPORT_BATCH)
        if not rows:
            return 0
        params = {"seen": seen, "upto": rows[-1].seq, "token": journal.owner}
        # The migration creates the mark; a table emptied by hand gets it back here.
        statement = (
            _advance_statement() if mark is not None else _first_mark_statement(self._dialect())
        )
        if not self.session.execute(statement, params).rowcount:  # type: ignore[attr-defined]
            return 0
        statement = _import_statement(self._dialect())
        self.session.execute(statement, [row.event_values() for row in rows])
        return len(rows)

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

    def prune(self, before: datetime, *, limit: int) -> int:
        """Delete up to ``limit`` done or failed events settled before ``before``, oldest first;
        how many went. A pending event is never deleted; a redelivery of a deleted one would be
        recorded as new, so ``before`` lies well past Webex's redeliveries."""
        old = (
            sa.select(_EVENTS.c.id)
            .where(_EVENTS.c.status.in_((DONE, FAILED)), _EVENTS.c.processed_at < before)
            .order_by(_EVENTS.c.id)
            .limit(limit)
        )
        result = self.session.execute(sa.delete(_EVENTS).where(_EVENTS.c.id.in_(old)))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

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
