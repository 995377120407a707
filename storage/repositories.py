"""Repositories: queries named in domain terms over the typed models. No domain imports here."""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from storage import search
from storage.models import (
    AuditEntryRow,
    CustomerRow,
    OrgUserRow,
    SandboxTransitionRow,
    SubscriberRow,
    SyncStateRow,
    UTCDateTime,
)


@dataclass(frozen=True, slots=True)
class SubscriberFilter:
    """What a subscriber list is narrowed by; ``None`` means no restriction."""

    statuses: Collection[str] | None = None
    customer: str | None = None
    package: str | None = None
    text: str | None = None
    changed_from: datetime | None = None  # status changed at or after this moment


#: Lists count their matches up to this many and then say "10,000+": an exact count of a big
#: partner's list reads every matching row (a second or more at 1,000,000 subscribers).
COUNT_CAP = 10_000
#: A text search counts to this many: each match is checked against its row (a trigram index
#: only narrows the candidates), so 10,000 of them cost more than a page may.
TEXT_COUNT_CAP = 1_000

_ORDER = (SubscriberRow.last_status_change.desc(), SubscriberRow.id.desc())
#: The audit table, for the statements every command runs (Core: no ORM step per statement).
_AUDIT = cast(sa.Table, AuditEntryRow.__table__)
#: The columns an appended entry gives (the id comes back from the INSERT).
_AUDIT_VALUES = tuple(c.name for c in _AUDIT.columns if c.name != "id")
_TEXT_FIELDS = (
    SubscriberRow.email,
    SubscriberRow.user_id,
    SubscriberRow.first_name,
    SubscriberRow.last_name,
)
# Engines known to have the trigram index (only positives are kept: a migration may add it).
_SEARCH_INDEXED: weakref.WeakSet[sa.Engine] = weakref.WeakSet()


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of subscribers and how many match: exactly, or at least ``total`` if capped."""

    rows: list[SubscriberRow]
    total: int
    capped: bool = False


#: ``datetime.isoformat()`` of a stored naive-UTC timestamp, computed by the database: the
#: stored text with a "T" (SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff"), or ``to_char`` on
#: PostgreSQL; ``isoformat`` leaves out a zero fraction, so ".000000" goes. An export then
#: hands the text straight to the CSV writer: no datetime object and no formatting per row.
_ISO_ZERO_FRACTION = ".000000"


def _iso_utc(column: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[str]:
    if dialect == "postgresql":
        text = sa.func.to_char(column, 'YYYY-MM-DD"T"HH24:MI:SS.US')
    else:
        text = sa.func.replace(sa.type_coerce(column, sa.String()), " ", "T")
    iso = sa.func.replace(text, _ISO_ZERO_FRACTION, "", type_=sa.String())
    return iso.concat("+00:00")


def _plain_column(name: str, dialect: str | None = None) -> sa.ColumnElement[Any]:
    if name.endswith("@iso"):  # "last_status_change@iso": the UTC ISO text of a timestamp
        base = name.removesuffix("@iso")
        return _iso_utc(getattr(SubscriberRow, base), dialect or "sqlite").label(base)
    if name == "errors":
        return sa.cast(SubscriberRow.errors, sa.Text).label("errors")
    if name in ("last_status_change", "created"):
        return sa.type_coerce(getattr(SubscriberRow, name), sa.DateTime()).label(name)
    column: sa.ColumnElement[Any] = getattr(SubscriberRow, name)
    return column


def _read_ahead(
    first: Sequence[Any], fetch: Callable[[], Sequence[Any]]
) -> Iterator[Sequence[Any]]:
    """``first``, then ``fetch()``'s batches until an empty one, each fetched while the caller
    works on the one before.

    PostgreSQL produces the next batch of a server-side cursor while this process waits on the
    socket, without the GIL: reading one batch ahead in a thread lets the server's index scan
    (a third of an export) overlap the CSV writing. One fetch at a time is in flight, so the
    connection is never used by two threads at once; a caller that stops early waits for that
    one fetch before the cursor is closed.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="read-ahead") as pool:
        rows = first
        while rows:
            upcoming = pool.submit(fetch)
            yield rows
            rows = upcoming.result()


def _processed(column: sa.ColumnElement[Any], dialect: sa.Dialect) -> bool:
    """Does the driver's value of ``column`` go through a conversion (SQLite's datetimes do)?"""
    return column.type.dialect_impl(dialect).result_processor(dialect, None) is not None


class SubscriberRepository:
    """The subscriber snapshot."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, subscriber_id: str) -> SubscriberRow | None:
        """The subscriber with this Webex subscriber id."""
        return self.session.get(SubscriberRow, subscriber_id)

    def find(self, ref: str) -> list[SubscriberRow]:
        """Subscribers whose id, BroadWorks user ID or email is ``ref`` (email case-insensitive)."""
        by_id = self.session.get(SubscriberRow, ref)
        if by_id is not None:
            return [by_id]
        stmt = sa.select(SubscriberRow).where(
            sa.or_(SubscriberRow.user_id == ref, sa.func.lower(SubscriberRow.email) == ref.lower())
        )
        return list(self.session.scalars(stmt.order_by(SubscriberRow.id).limit(20)))

    def _filtered(
        self, flt: SubscriberFilter, *, indexed_text: bool = True, stmt: Any = None
    ) -> Any:
        stmt = sa.select(SubscriberRow) if stmt is None else stmt
        if flt.statuses is not None:
            stmt = stmt.where(SubscriberRow.status.in_(sorted(flt.statuses)))
        if flt.customer is not None:
            stmt = stmt.where(SubscriberRow.customer_id == flt.customer)
        if flt.package is not None:
            stmt = stmt.where(SubscriberRow.package == flt.package)
        if flt.text:
            stmt = stmt.where(self._text_match(flt.text, indexed=indexed_text))
        if flt.changed_from is not None:
            stmt = stmt.where(SubscriberRow.last_status_change >= flt.changed_from)
        return stmt

    def _text_match(self, text: str, *, indexed: bool) -> sa.ColumnElement[bool]:
        """Subscribers with ``text`` in their email, user ID, first or last name (any case)."""
        lowered = text.lower()
        pattern = f"%{_like_escape(lowered)}%"
        if indexed and self._indexable(lowered):
            if self._dialect == "sqlite":
                matches = sa.text(
                    f"SELECT rowid FROM {search.FTS_TABLE} WHERE {search.FTS_TABLE} MATCH :phrase"
                ).bindparams(phrase=search.fts_phrase(lowered))
                return sa.literal_column("subscribers.rowid").in_(
                    matches.columns(sa.column("rowid"))
                )
            return sa.literal_column(search.pg_body_sql()).like(pattern, escape="\\")
        return sa.or_(*(sa.func.lower(f).like(pattern, escape="\\") for f in _TEXT_FIELDS))

    def _indexable(self, text: str | None) -> bool:
        return bool(text) and len(text or "") >= search.MIN_INDEXED and self._search_indexed()

    def _fts_usable(self, text: str | None) -> bool:
        return self._dialect == "sqlite" and self._indexable(text)

    @property
    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def _search_indexed(self) -> bool:
        engine = self.session.get_bind().engine
        if engine in _SEARCH_INDEXED:
            return True
        if search.has_index(self.session.connection()):
            _SEARCH_INDEXED.add(engine)
            return True
        return False

    def search(self, flt: SubscriberFilter, *, offset: int, limit: int) -> SearchPage:
        """One page of matching subscribers, newest status change first, and how many match.

        The count stops at ``COUNT_CAP`` (``TEXT_COUNT_CAP`` with a text; ``capped`` is then
        True), so no page reads every match.
        """
        total, capped = self.count_matching(flt, cap=TEXT_COUNT_CAP if flt.text else COUNT_CAP)
        # A text that matches more than the cap is common: walking the list order and testing
        # each row finds a page within a few hundred rows, where the index would hand over every
        # match to sort. On PostgreSQL too: its planner has no statistics for a trigram LIKE and
        # guesses 100 matches, so "novak" (37,000 of 1,000,000) took a bitmap scan and a sort of
        # every match, 120-140 ms in some bench runs, against 1 ms for the walk.
        indexed = not capped
        stmt = self._filtered(flt, indexed_text=indexed).order_by(*_ORDER).offset(offset)
        return SearchPage(list(self.session.scalars(stmt.limit(limit))), total, capped)

    def count_matching(self, flt: SubscriberFilter, *, cap: int | None = None) -> tuple[int, bool]:
        """How many subscribers match, up to ``cap``; and whether there are more than ``cap``."""
        stmt = sa.select(sa.literal(1)).select_from(SubscriberRow)
        if self._fts_usable(flt.text):
            # Driven from the FTS table, the count stops after ``cap`` matches; as an IN list,
            # SQLite would first gather every match.
            fts = sa.table(search.FTS_TABLE, sa.column("rowid"))
            on = fts.c.rowid == sa.literal_column("subscribers.rowid")
            stmt = (
                sa.select(sa.literal(1))
                .select_from(fts.join(SubscriberRow.__table__, on))
                .where(
                    sa.text(f"{search.FTS_TABLE} MATCH :phrase").bindparams(
                        phrase=search.fts_phrase((flt.text or "").lower())
                    )
                )
            )
            flt = replace(flt, text=None)
            if flt == SubscriberFilter():
                stmt = stmt.with_only_columns(sa.literal(1)).select_from(fts)  # no join needed
        inner = self._filtered(flt, stmt=stmt)
        if cap is not None:
            inner = inner.limit(cap + 1)
        n = self.session.scalar(sa.select(sa.func.count()).select_from(inner.subquery())) or 0
        if cap is not None and n > cap:
            return cap, True
        return n, False

    def stream(self, flt: SubscriberFilter, *, batch: int = 2000) -> Iterator[SubscriberRow]:
        """Every matching subscriber in list order, fetched in batches by keyset (flat memory)."""
        last: tuple[datetime, str] | None = None
        while True:
            stmt = self._filtered(flt)
            if last is not None:
                # A row-value comparison seeks the index; the equivalent OR form is planned as
                # a scan from the start on every batch, which made exports quadratic.
                key = sa.tuple_(SubscriberRow.last_status_change, SubscriberRow.id)
                stmt = stmt.where(key < sa.tuple_(sa.literal(last[0], UTCDateTime()), last[1]))
            rows = list(self.session.scalars(stmt.order_by(*_ORDER).limit(batch)))
            if not rows:
                return
            yield from rows
            last = (rows[-1].last_status_change, rows[-1].id)
            self.session.expunge_all()  # keep the identity map from growing with the export

    def stream_columns(
        self, flt: SubscriberFilter, columns: Sequence[str], *, batch: int = 5000
    ) -> Iterator[Sequence[Sequence[Any]]]:
        """Batches of plain tuples of ``columns`` for every match, in list order.

        One query read through a server-side cursor (PostgreSQL) or SQLite's own stepping, with
        no ORM objects: memory stays at one batch and each row costs a tuple. ``errors`` comes
        as its JSON text, for the caller to parse only when there is something in it, and the
        timestamps as stored, naive UTC (no conversion per row); a column named
        ``<timestamp>@iso`` comes as its ``isoformat()`` text with "+00:00", made by the database.
        """
        conn = self.session.connection()
        dialect = conn.dialect
        cols = [_plain_column(name, dialect.name) for name in columns]
        stmt = self._filtered(flt, stmt=sa.select(*cols)).order_by(*_ORDER)
        # On the session's connection, not through the ORM: a Core result has no per-row
        # ORM processing (half the cost of an export).
        result = conn.execution_options(yield_per=batch).execute(stmt)
        try:
            if any(_processed(col, dialect) for col in cols):
                yield from result.partitions(batch)
                return
            # Nothing to convert (every column comes as text): the driver's own tuples, off the
            # DBAPI cursor, without a Row built around each. The result may have read ahead one
            # row (a streamed result buffers the first); taking one row through it first leaves
            # its buffer empty and the cursor at the second row (tests/storage pin this).
            head: list[Any] = [tuple(row) for row in result.fetchmany(1)]
            if not head:
                return
            cursor = result.cursor
            first = head + list(cursor.fetchmany(batch - 1))
            if dialect.name == "postgresql":
                yield from _read_ahead(first, lambda: cursor.fetchmany(batch))
            else:
                # SQLite steps in this process: reading ahead in a thread only fights over
                # the GIL (measured slower), so the batches come one after the other.
                rows: Sequence[Any] = first
                while rows:
                    yield rows
                    rows = cursor.fetchmany(batch)
        finally:
            result.close()

    def count_by(self, *columns: str, flt: SubscriberFilter | None = None) -> list[tuple[Any, ...]]:
        """Counts grouped by the named columns (e.g. "status", "customer_id"), count last."""
        base = self._filtered(flt or SubscriberFilter()).subquery()
        sub_cols = [base.c[c] for c in columns]
        stmt = sa.select(*sub_cols, sa.func.count()).group_by(*sub_cols)
        return [tuple(r) for r in self.session.execute(stmt)]

    def changed_since(
        self, since: datetime, *, statuses: Collection[str] | None = None
    ) -> list[SubscriberRow]:
        """Subscribers whose status changed after ``since`` (for digests and syncs)."""
        stmt = sa.select(SubscriberRow).where(SubscriberRow.last_status_change > since)
        if statuses is not None:
            stmt = stmt.where(SubscriberRow.status.in_(sorted(statuses)))
        return list(self.session.scalars(stmt.order_by(SubscriberRow.last_status_change.desc())))

    def unchanged_since(
        self, before: datetime, *, statuses: Collection[str], limit: int
    ) -> tuple[list[SubscriberRow], int]:
        """Subscribers in ``statuses`` whose status last changed before ``before``: the oldest
        first (up to ``limit``), and how many there are in all (an index range count)."""
        where = (
            SubscriberRow.status.in_(sorted(statuses)),
            SubscriberRow.last_status_change < before,
        )
        total = self.session.scalar(
            sa.select(sa.func.count()).select_from(SubscriberRow).where(*where)
        )
        stmt = sa.select(SubscriberRow).where(*where)
        stmt = stmt.order_by(SubscriberRow.last_status_change, SubscriberRow.id).limit(limit)
        return list(self.session.scalars(stmt)), int(total or 0)

    def add(self, row: SubscriberRow) -> None:
        """Insert or replace a subscriber."""
        self.session.merge(row)

    def delete(self, subscriber_id: str) -> None:
        """Remove a subscriber from the snapshot."""
        self.session.execute(sa.delete(SubscriberRow).where(SubscriberRow.id == subscriber_id))

    def ids_for_user(self, user_id: str) -> list[str]:
        """The ids of every subscriber row with this BroadWorks user ID."""
        stmt = sa.select(SubscriberRow.id).where(SubscriberRow.user_id == user_id)
        return list(self.session.scalars(stmt))

    def count(self) -> int:
        """How many subscribers there are."""
        return self.session.scalar(sa.select(sa.func.count(SubscriberRow.id))) or 0


class CustomerRepository:
    """Customers and what is known of their templates."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, customer_id: str) -> CustomerRow | None:
        """The customer with this id."""
        return self.session.get(CustomerRow, customer_id)

    def find(self, ref: str) -> CustomerRow | None:
        """A customer by id or by name (case-insensitive)."""
        row = self.session.get(CustomerRow, ref)
        if row is not None:
            return row
        stmt = sa.select(CustomerRow).where(sa.func.lower(CustomerRow.name) == ref.lower())
        return self.session.scalars(stmt.limit(1)).first()

    def all(self) -> list[CustomerRow]:
        """Every customer, by name."""
        return list(self.session.scalars(sa.select(CustomerRow).order_by(CustomerRow.name)))

    def add(self, row: CustomerRow) -> None:
        """Insert or replace a customer."""
        self.session.merge(row)


class OrgUserRepository:
    """Control Hub users."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: str) -> OrgUserRow | None:
        """The user with this id."""
        return self.session.get(OrgUserRow, user_id)

    def find(self, ref: str) -> OrgUserRow | None:
        """A user by id or email (case-insensitive)."""
        row = self.session.get(OrgUserRow, ref)
        if row is not None:
            return row
        stmt = sa.select(OrgUserRow).where(sa.func.lower(OrgUserRow.email) == ref.lower())
        return self.session.scalars(stmt.limit(1)).first()

    def in_states(self, states: Collection[str] | None = None) -> list[OrgUserRow]:
        """Users in any of ``states`` (all users when None), longest in their state first."""
        stmt = sa.select(OrgUserRow)
        if states is not None:
            stmt = stmt.where(OrgUserRow.state.in_(sorted(states)))
        return list(self.session.scalars(stmt.order_by(OrgUserRow.state_since, OrgUserRow.id)))

    def count_by_state(self) -> dict[str, int]:
        """How many users are in each state."""
        stmt = sa.select(OrgUserRow.state, sa.func.count()).group_by(OrgUserRow.state)
        return {state: n for state, n in self.session.execute(stmt)}

    def add(self, row: OrgUserRow) -> None:
        """Insert or replace a user."""
        self.session.merge(row)


class SandboxTransitionRepository:
    """The sandbox provider's scheduled status changes."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def due(self, now: datetime, *, limit: int = 1000) -> list[SandboxTransitionRow]:
        """Transitions whose time has come, oldest first."""
        stmt = sa.select(SandboxTransitionRow).where(SandboxTransitionRow.due_at <= now)
        return list(self.session.scalars(stmt.order_by(SandboxTransitionRow.due_at).limit(limit)))

    def get(self, subscriber_id: str) -> SandboxTransitionRow | None:
        """The pending transition of a subscriber, if any."""
        return self.session.get(SandboxTransitionRow, subscriber_id)

    def put(self, row: SandboxTransitionRow) -> None:
        """Schedule (or reschedule) a subscriber's next transition."""
        self.session.merge(row)

    def remove(self, subscriber_id: str) -> None:
        """Forget a subscriber's pending transition."""
        self.session.execute(
            sa.delete(SandboxTransitionRow).where(
                SandboxTransitionRow.subscriber_id == subscriber_id
            )
        )


class SyncStateRepository:
    """Named cursors and timestamps."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, name: str) -> dict[str, Any] | None:
        """The value stored under ``name``."""
        row = self.session.get(SyncStateRow, name)
        return None if row is None else dict(row.value)

    def updated_at(self, name: str) -> datetime | None:
        """When ``name`` was last written."""
        row = self.session.get(SyncStateRow, name)
        return None if row is None else row.updated_at

    def put(self, name: str, value: dict[str, Any], *, now: datetime) -> None:
        """Store ``value`` under ``name``."""
        self.session.merge(SyncStateRow(name=name, value=value, updated_at=now))

    def add_once(self, name: str, value: dict[str, Any], *, now: datetime) -> bool:
        """Store ``value`` under ``name`` unless it is there already: True for the first writer.

        The primary key makes the first insert win; a concurrent second one fails at the flush
        (the transaction is then rolled back) and is told False.
        """
        if self.session.get(SyncStateRow, name) is not None:
            return False
        self.session.add(SyncStateRow(name=name, value=value, updated_at=now))
        try:
            self.session.flush()
        except sa.exc.IntegrityError:
            self.session.rollback()
            return False
        return True


class AuditRepository:
    """The audit trail: append and read, never update or delete."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, entry: AuditEntryRow) -> None:
        """Append one entry, now (one INSERT in the caller's transaction); ``entry.id`` is set.

        A Core INSERT of the entry's values, not ``session.add``: every command appends one,
        and the unit of work's flush of a single new row cost more than the statement.
        """
        values = {name: getattr(entry, name) for name in _AUDIT_VALUES}
        new_id = self.session.execute(_audit_insert_statement(), values).scalar_one()
        set_committed_value(entry, "id", new_id)

    def after(
        self, last_id: int, *, since: datetime | None = None, limit: int
    ) -> list[AuditEntryRow]:
        """Up to ``limit`` entries with an id above ``last_id`` (and since ``since``), by id."""
        stmt = sa.select(AuditEntryRow).where(AuditEntryRow.id > last_id)
        if since is not None:
            stmt = stmt.where(AuditEntryRow.at >= since)
        return list(self.session.scalars(stmt.order_by(AuditEntryRow.id).limit(limit)))

    def service_actions(self, correlation_id: str) -> list[str]:
        """The provider actions (``service.*`` entries) already taken for a correlation id."""
        stmt = (
            sa.select(AuditEntryRow.action)
            .where(
                AuditEntryRow.correlation_id == correlation_id,
                AuditEntryRow.action.like("service.%"),
            )
            .order_by(AuditEntryRow.id)
        )
        return list(self.session.scalars(stmt))

    def nth_request_at(
        self, actor: str, n: int, *, since: datetime, vias: Collection[str], skip: str
    ) -> datetime | None:
        """When ``actor``'s ``n``-th newest request since ``since`` came in (None: fewer than
        ``n``); entries whose result is ``skip`` are not counted. One row is read, whatever
        ``n`` is."""
        params = {
            "rate_actor": actor,
            "rate_since": since,
            "rate_vias": sorted(vias),
            "rate_skip": skip,
            "rate_offset": max(n - 1, 0),
        }
        return self.session.scalar(_nth_request_statement(), params)

    def has_result(
        self, actor: str, *, since: datetime, vias: Collection[str], result: str
    ) -> bool:
        """True when one of ``actor``'s requests since ``since`` ended with ``result``."""
        stmt = (
            sa.select(AuditEntryRow.id)
            .where(*_requests_of(actor, since, sorted(vias)), AuditEntryRow.result == result)
            .limit(1)
        )
        return self.session.scalar(stmt) is not None

    def recent(
        self,
        *,
        since: datetime | None = None,
        actor: str | None = None,
        target: str | None = None,
        limit: int | None = 50,
    ) -> Sequence[AuditEntryRow]:
        """Entries newest first, optionally by person, target and age."""
        stmt = sa.select(AuditEntryRow)
        if since is not None:
            stmt = stmt.where(AuditEntryRow.at >= since)
        if actor is not None:
            stmt = stmt.where(sa.func.lower(AuditEntryRow.actor) == actor.lower())
        if target is not None:
            stmt = stmt.where(sa.func.lower(AuditEntryRow.target) == target.lower())
        stmt = stmt.order_by(AuditEntryRow.at.desc(), AuditEntryRow.id.desc())
        if limit is not None:
            stmt = stmt.limit(limit)
        return list(self.session.scalars(stmt))

    def involving(
        self, *, since: datetime, names: Collection[str] = (), limit: int
    ) -> tuple[list[AuditEntryRow], int]:
        """Entries since ``since`` by or about any of ``names`` (all when empty), newest first,
        up to ``limit``, and how many there are in all."""
        where: list[sa.ColumnElement[bool]] = [AuditEntryRow.at >= since]
        if names:
            lowered = sorted({n.lower() for n in names})
            where.append(
                sa.or_(
                    sa.func.lower(AuditEntryRow.actor).in_(lowered),
                    sa.func.lower(AuditEntryRow.target).in_(lowered),
                )
            )
        total = self.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEntryRow).where(*where)
        )
        rows = self.session.scalars(
            sa.select(AuditEntryRow)
            .where(*where)
            .order_by(AuditEntryRow.at.desc(), AuditEntryRow.id.desc())
            .limit(limit)
        )
        return list(rows), int(total or 0)


@functools.cache
def _nth_request_statement() -> Any:
    # Built once, run with parameters: every command asks it (the rate limit). On the table's
    # columns (Core), not the mapped class's: no ORM compile step for a one-value read.
    return (
        sa.select(_AUDIT.c.at)
        .where(
            *_requests_of(
                sa.bindparam("rate_actor"),
                sa.bindparam("rate_since"),
                sa.bindparam("rate_vias", expanding=True),
            ),
            _AUDIT.c.result != sa.bindparam("rate_skip"),
        )
        .order_by(_AUDIT.c.at.desc())
        .offset(sa.bindparam("rate_offset", type_=sa.Integer))
        .limit(1)
    )


@functools.cache
def _audit_insert_statement() -> Any:
    return _AUDIT.insert().returning(_AUDIT.c.id)


def _requests_of(actor: Any, since: Any, vias: Any) -> tuple[sa.ColumnElement[bool], ...]:
    """An actor's requests since a time through some doors (values or bound parameters)."""
    return (
        _AUDIT.c.actor == actor,
        _AUDIT.c.at > since,
        _AUDIT.c.via.in_(vias),
        # A provider action's own ``service.*`` entry is the same request seen twice.
        _AUDIT.c.action.not_like("service.%"),
    )
