"""Claims on work rows (webhook events, outbox messages): who holds them, and whether they live.

A claim is ``claimed_by`` (the claiming process's identity, ``<instance>#<token>``) plus
``heartbeat_at``, which that process refreshes every second or so for the rows it is working on
right now (``Held``). A
claim whose heartbeat is older than ``stale_after`` (a few seconds) belongs to a process that died
(or hangs) and anyone may take the row. A process that restarts under the same instance name
releases its previous claims at once, without waiting for them to go stale.

Rows of one space are claimed strictly in order: a row is claimable only when no older row of
the same space is still waiting (``head_of_space``), so two workers never handle (or send) two
rows of one space at the same time, and a later row never overtakes an earlier one. A batch is
claimed in one ``UPDATE ... RETURNING`` (``claim_statement``); since a claimed row is still waiting,
a batch holds at most one row per space.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, make_transient_to_detached


@dataclass(frozen=True)
class Claimant:
    """A process claiming work: its identity, how long a silent claim stays its own, and what
    it holds right now (kept alive by its heartbeat)."""

    identity: str
    stale_after: timedelta = timedelta(seconds=5)
    held: Held = field(default_factory=lambda: Held(), compare=False)

    @property
    def instance(self) -> str:
        """The part of the identity a restart keeps (``<instance>`` of ``<instance>#<token>``)."""
        return self.identity.rsplit("#", 1)[0]


def free(model: Any, stale_before: datetime | Any) -> sa.ColumnElement[bool]:
    """Unclaimed, or claimed by a process whose last heartbeat is at or before ``stale_before``
    (now minus ``stale_after``; a datetime, or the ``CLAIM_STALE_BEFORE`` parameter)."""
    return sa.or_(
        model.claimed_by.is_(None),
        model.heartbeat_at.is_(None),
        model.heartbeat_at <= stale_before,
    )


#: The parameters of a claim statement (``claim_statement``), given by ``claim_parameters``.
CLAIM_NOW, CLAIM_STALE_BEFORE, CLAIM_BY = "claim_now", "claim_stale_before", "claim_by"


def claim_parameters(by: Claimant, now: datetime) -> dict[str, Any]:
    """The values of a claim statement's parameters for ``by`` at ``now``."""
    return {CLAIM_NOW: now, CLAIM_STALE_BEFORE: now - by.stale_after, CLAIM_BY: by.identity}


def claim_now() -> sa.BindParameter[datetime]:
    """The claim's time as a parameter, for a repository's own conditions (``due <= now``)."""
    return sa.bindparam(CLAIM_NOW)


def head_of_space(
    model: Any, space_column: str, waiting: tuple[str, ...]
) -> sa.ColumnElement[bool]:
    """No older row of the same space is still ``waiting`` (rows without a space are free).

    ``model`` is a mapped class (for an ORM statement) or its table (for a Core one).
    """
    older, this = _columns(_older(model)), _columns(model)
    return ~sa.exists().where(
        getattr(older, space_column) == getattr(this, space_column),
        older.status.in_(waiting),
        older.id < this.id,
    )


def _columns(source: Any) -> Any:
    """Where the columns are: a table's (or its alias's) ``.c``, a mapped class's attributes."""
    return source.c if isinstance(source, sa.FromClause) else source


@functools.cache
def _older(model: Any) -> Any:
    # One alias per model, made once: building an ``aliased()`` per claim made SQLAlchemy adapt
    # every column again and cost a few milliseconds of CPU per claim (pyinstrument showed it).
    return model.alias() if isinstance(model, sa.Table) else aliased(model)


@dataclass(frozen=True)
class ClaimStatement:
    """A claim (``claim_statement``): the ``UPDATE ... RETURNING`` that takes the rows, and a
    read that says whether there is any row to take."""

    update: Any
    probe: Any
    model: Any


def claim_statement(
    dialect: str,
    model: Any,
    claimable: sa.ColumnElement[bool],
    order: tuple[Any, ...],
    limit: int,
    values: dict[str, Any] | None = None,
) -> ClaimStatement:
    """One ``UPDATE ... RETURNING`` claiming up to ``limit`` ``free`` rows matching
    ``claimable``: ``claimed_by`` and ``heartbeat_at`` set, and ``values`` besides.

    Build it once (per dialect and limit) and run it with ``claim_rows``: building and compiling
    the statement anew for every claim cost about 2 ms of CPU, twice per command (its event and
    its reply).

    The rows are chosen by a subquery (oldest first; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
    so concurrent claimers pass over each other's rows) and the outer ``WHERE`` repeats
    ``claimable``, so a row another process claimed meanwhile is not taken twice (PostgreSQL
    re-checks it on the row's newest version; SQLite runs the whole statement under its one
    write lock). One statement and one round trip however many rows are claimed.

    Half the claims of a burst find nothing (a feeder is woken by every settled row, and most
    next rows wait behind their space's head), so ``claim_rows`` first runs the probe, a plain
    read: on SQLite an empty claim was a write transaction that queued for the one write lock,
    behind the intake and ahead of the claims that had rows to take.
    """
    claimable = sa.and_(claimable, free(model, sa.bindparam(CLAIM_STALE_BEFORE)))
    values = {"claimed_by": sa.bindparam(CLAIM_BY), "heartbeat_at": claim_now(), **(values or {})}
    pick = sa.select(model.id).where(claimable).order_by(*order).limit(limit)
    chosen: Any
    if dialect == "postgresql":
        # A CTE, materialized: as a plain ``IN (subquery)`` PostgreSQL may run the subquery
        # again for each row, and with SKIP LOCKED each run picks other rows (more than limit).
        locked = (
            pick.with_for_update(skip_locked=True, of=model)
            .cte("picked")
            .prefix_with("MATERIALIZED")
        )
        chosen = sa.select(locked.c.id)
    else:
        chosen = pick.scalar_subquery()
    update = (
        sa.update(model).where(model.id.in_(chosen), claimable).values(**values).returning(model)
    )
    return ClaimStatement(update, sa.select(model.id).where(claimable).limit(1), model)


def claim_rows(
    session: Session, statement: ClaimStatement, parameters: dict[str, Any]
) -> list[Any]:
    """Run a ``claim_statement``; the rows claimed, oldest first (none: no write at all).

    A row that becomes claimable just after the probe is not lost: whatever made it so (a new
    event, a settled row) wakes the claimer again, and its poll interval is the backstop.

    Both statements run on the session's connection, as Core, and the rows are built from what
    the UPDATE returned: through the session, the ORM's bulk-update path and its loading of the
    returned rows were half of a claim's CPU (one row: about 930 -> 500 microseconds).
    """
    probe = {k: v for k, v in parameters.items() if k != CLAIM_BY}
    conn = session.connection()
    if conn.scalar(statement.probe, probe) is None:
        return []
    model = statement.model
    rows = [model(**row._mapping) for row in conn.execute(statement.update, parameters)]
    for row in rows:
        # What the database holds now, in the caller's session as if loaded by it: a change
        # made in the same unit of work is flushed as an UPDATE (no SELECT, no INSERT).
        make_transient_to_detached(row)
        session.add(row)
    rows.sort(key=lambda row: row.id)
    return rows


class Held:
    """The rows this process is working on right now (thread-safe), so only those stay alive.

    A row whose handling ended without settling it (the database failed at that moment) is
    dropped from here, so its claim goes stale within seconds and it is taken again, instead of
    being kept alive forever by a heartbeat of a process that has forgotten it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[Any, set[int]] = {}

    @contextmanager
    def holding(self, model: Any, row_id: int) -> Iterator[None]:
        """Keep ``row_id`` of ``model`` alive while the block runs."""
        with self._lock:
            self._rows.setdefault(model, set()).add(row_id)
        try:
            yield
        finally:
            with self._lock:
                self._rows[model].discard(row_id)

    def add(self, model: Any, row_ids: list[int]) -> None:
        """Keep these rows alive from now on (claimed, queued for a handler)."""
        with self._lock:
            self._rows.setdefault(model, set()).update(row_ids)

    def discard(self, model: Any, row_id: int) -> None:
        """The row is settled (or given up on): no more heartbeats for it."""
        with self._lock:
            self._rows.get(model, set()).discard(row_id)

    def snapshot(self) -> list[tuple[Any, list[int]]]:
        """Each model with the ids held now."""
        with self._lock:
            return [(model, sorted(ids)) for model, ids in self._rows.items() if ids]


@functools.cache
def _beat_statement(model: Any) -> Any:
    # Built once per table, on the table (not the mapped class): built anew every beat, the ORM
    # statement cost its process about 3 % of its CPU in a burst (py-spy), one beat a second.
    table = model.__table__
    return (
        table.update()
        .where(
            table.c.claimed_by == sa.bindparam("me"),
            table.c.id.in_(sa.bindparam("ids", expanding=True)),
        )
        .values(heartbeat_at=sa.bindparam("now"))
    )


def heartbeat(session: Session, held: Held, me: str, now: datetime) -> None:
    """Refresh the heartbeat of the rows ``me`` is working on."""
    for model, ids in held.snapshot():
        session.execute(_beat_statement(model), {"me": me, "ids": ids, "now": now})


def release_previous(session: Session, models: tuple[Any, ...], claimant: Claimant) -> int:
    """Drop the claims an earlier run of this instance left (it died: kill -9, power loss)."""
    count = 0
    for model in models:
        result = session.execute(
            sa.update(model)
            .where(
                model.claimed_by.like(f"{_escape_like(claimant.instance)}#%", escape="\\"),
                model.claimed_by != claimant.identity,
            )
            .values(claimed_by=None, heartbeat_at=None)
            .execution_options(synchronize_session=False)
        )
        count += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return count


def release_mine(session: Session, models: tuple[Any, ...], me: str) -> int:
    """Drop every claim ``me`` holds (a clean stop: others may take the rows at once)."""
    count = 0
    for model in models:
        result = session.execute(
            sa.update(model)
            .where(model.claimed_by == me)
            .values(claimed_by=None, heartbeat_at=None)
            .execution_options(synchronize_session=False)
        )
        count += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return count


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
