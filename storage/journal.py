"""The intake journal: a SQLite file of its own where ``serve``'s webhook intake records events.

SQLite lets one connection write at a time. Recording a webhook straight into the bot's database
made its acknowledgement wait for the write turn whenever a worker process was in a transaction,
and a worker's transaction lasts as long as its process takes to give the thread the GIL back
between statements: the intake waited 7 ms at p90 and 25 ms at p99 for one INSERT in the engine
bench, behind settles and claims of a few statements each. The journal is written by the intake
alone, so its commit waits for nobody; the worker processes move what it holds into
``webhook_events`` (``WebhookEventRepository.import_journal``) before they claim, in their own
transaction on the bot's database.

Nothing is lost between the two files and nothing is imported twice:

* A journal row is committed before the webhook is acknowledged, and stays until the bot's
  database says it was imported (``journal_imports.seq``, the highest sequence number moved):
  the intake deletes only rows at or below it (``trim``).
* The import advances ``journal_imports.seq`` with a compare-and-set in the same transaction as
  its INSERTs, so two importers (two worker processes) never both move a range, and a crash
  between the two files leaves the rows to import again.
* The INSERT is an upsert on the event key: a webhook Webex delivered twice is one event (made
  due again while it is still pending, as the intake did before).
* Sequence numbers come from ``AUTOINCREMENT`` and the journal has one writer at a time, so a
  reader that sees row N sees every row before it: an importer never skips a row committed late.

On PostgreSQL writers do not queue for one lock, so there is no journal: the intake records into
``webhook_events`` directly. The file sits beside the database (``<database>.journal``); a
``serve`` killed with rows in it leaves them for the next start, whose workers import them first.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storage import db
from storage.events import NEW_EVENT, PENDING, EventArrival, Recorded
from storage.models import JSONValue, UTCDateTime

log = logging.getLogger(__name__)

SUFFIX = ".journal"
#: How often the keeper trims the journal behind the importers and checkpoints it (seconds).
KEEP_SECONDS = 2.0

_METADATA = sa.MetaData()
#: One row per event the intake recorded, in the order it recorded them.
JOURNAL = sa.Table(
    "intake_journal",
    _METADATA,
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("event_key", sa.String(300), nullable=False, index=True),
    sa.Column("resource", sa.String(50), nullable=False),
    sa.Column("event", sa.String(50), nullable=False),
    sa.Column("payload", JSONValue, nullable=False),
    sa.Column("received_at", UTCDateTime(), nullable=False),
    sa.Column("correlation_id", sa.String(64)),
    sa.Column("space_id", sa.String(200)),
    # AUTOINCREMENT: a number is never handed out twice, even after the rows below it are gone.
    sqlite_autoincrement=True,
)


#: The bot's database as the journal's connections see it (attached, only ever read).
_BOT = "bot"
_BOT_METADATA = sa.MetaData(schema=_BOT)
_BOT_EVENTS = sa.Table(
    "webhook_events",
    _BOT_METADATA,
    sa.Column("event_key", sa.String(300)),
    sa.Column("status", sa.String(20)),
)
_BOT_IMPORTS = sa.Table(
    "journal_imports",
    _BOT_METADATA,
    sa.Column("id", sa.Integer),
    sa.Column("seq", sa.Integer),
    sa.Column("token", sa.String(64)),
)
#: Which database the journal belongs to: its ``journal_imports.token``.
_OWNER = sa.Table("journal_owner", _METADATA, sa.Column("token", sa.String(64), primary_key=True))


@dataclass(frozen=True, slots=True)
class JournalRow:
    """An event as the journal holds it: its sequence number, the arrival and when."""

    seq: int
    arrival: EventArrival
    received_at: datetime

    def event_values(self) -> dict[str, Any]:
        """The row's values for ``webhook_events``, as a new pending event."""
        return {**self.arrival.values(self.received_at), **NEW_EVENT}


def path_beside(engine: Engine) -> Path | None:
    """Where the journal of the bot's database is; None when it has none (PostgreSQL, memory)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database + SUFFIX)


@functools.cache
def _after_statement() -> Any:
    return (
        sa.select(JOURNAL)
        .where(JOURNAL.c.seq > sa.bindparam("after"))
        .order_by(JOURNAL.c.seq)
        .limit(sa.bindparam("limit"))
    )


#: The columns the intake writes, in the order of the INSERT's parameters.
_APPENDED = (
    "event_key",
    "resource",
    "event",
    "payload",
    "received_at",
    "correlation_id",
    "space_id",
)


def _keys_in(column: sa.ColumnElement[str], count: int) -> sa.ColumnElement[bool]:
    return column.in_([sa.bindparam(f"k{i}") for i in range(count)])


class _Writer:
    """How the intake writes the journal: SQL that SQLAlchemy compiled once, run on the
    journal's own pooled DBAPI connection.

    A webhook's record is the intake's hot path. Through ``Connection.execute`` its three
    statements cost about 465 microseconds of CPU, three quarters of it SQLAlchemy's work per
    execution (a transaction object, the compiled cache, a result); the same SQL on the DBAPI
    connection costs about 100 (the INSERT and its COMMIT most of it). So the statements, the
    column types' bind processors (JSON, UTC datetime) and the table stay SQLAlchemy's, compiled
    here once, and only the execution is the driver's. Reads (``after``) and ``trim``, rare,
    stay on the engine.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        dialect = engine.dialect
        append = JOURNAL.insert().compile(dialect=dialect, column_keys=list(_APPENDED))
        self.append_sql = append.string
        assert list(append.positiontup or ()) == list(_APPENDED)
        self._processors = [
            JOURNAL.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in _APPENDED
        ]
        self._lookups: dict[tuple[str, int], str] = {}
        self._proxy: Any = None
        self._pid = 0

    def connection(self) -> Any:
        """This process's DBAPI connection to the journal (a fork opens its own)."""
        if self._proxy is None or self._pid != os.getpid():
            self._proxy = self._engine.raw_connection()
            self._pid = os.getpid()
        return self._proxy.driver_connection

    def discard(self) -> None:
        """The connection failed: a new one next time."""
        proxy, self._proxy = self._proxy, None
        if proxy is not None and self._pid == os.getpid():
            with contextlib.suppress(Exception):
                proxy.invalidate()

    def close(self) -> None:
        """Give the connection back to the engine's pool."""
        proxy, self._proxy = self._proxy, None
        if proxy is not None and self._pid == os.getpid():
            proxy.close()

    def params(self, arrival: EventArrival, now: datetime) -> list[Any]:
        """The INSERT's parameters for ``arrival``, as the column types bind them."""
        values = arrival.values(now)
        return [
            values[name] if process is None else process(values[name])
            for name, process in zip(_APPENDED, self._processors, strict=True)
        ]

    def lookup(self, which: str, count: int) -> str:
        """The SQL of the statuses (``"statuses"``) or the journaled keys (``"keys"``) among
        ``count`` event keys, compiled once per count."""
        sql = self._lookups.get((which, count))
        if sql is None:
            if which == "statuses":
                cols = (_BOT_EVENTS.c.event_key, _BOT_EVENTS.c.status)
                query = sa.select(*cols).where(_keys_in(_BOT_EVENTS.c.event_key, count))
            else:
                query = sa.select(JOURNAL.c.event_key).where(_keys_in(JOURNAL.c.event_key, count))
            sql = self._lookups[(which, count)] = query.compile(dialect=self._engine.dialect).string
        return sql


class IntakeJournal:
    """The journal file: appended to by the intake, read by the importers, trimmed behind them."""

    def __init__(self, path: Path, bot_database: Path) -> None:
        self.path = path
        self._bot_database = bot_database
        self.engine = self._open()
        #: The token of the database this journal belongs to (``journal_imports.token``).
        self.owner = self._owned()
        self._writer = _Writer(self.engine)
        self._writing = threading.Lock()  # one writer at a time on the writer's connection
        self._written = 0  # commits of records, for the keeper to know whether any came
        self._keeper: threading.Thread | None = None
        self._disposed = threading.Event()

    def _open(self) -> Engine:
        # Only the intake writes the journal, one group at a time: no write turn to queue for.
        engine = db.make_engine(f"sqlite:///{self.path}", write_turn=False)
        bot_database = str(self._bot_database)

        def attach(dbapi_conn: Any, _record: Any) -> None:
            # The bot's database beside the journal, so that one transaction of the journal's
            # reads the events there (a WAL read: no write lock of the bot's database taken).
            dbapi_conn.execute(f"ATTACH DATABASE ? AS {_BOT}", (bot_database,))
            # No checkpoint inside a commit: the one that crossed the WAL's 1,000 pages paid
            # the copy and its fsync, 4-8 ms, inside a webhook's acknowledgement every ~240
            # webhooks. The keeper thread (``keep``) checkpoints instead, and ``dispose``.
            dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")

        sa.event.listen(engine, "connect", attach)
        _METADATA.create_all(engine)
        return engine

    def _owned(self) -> str:
        """The journal's owner, the bot's database; a journal of another database is set aside.

        Deleting the database to start over (README) leaves its journal: rows imported there
        but not yet trimmed must not be imported, and answered, a second time in the new one.
        The other way round, a new journal for a database that imported from an earlier one
        (the file deleted by hand, lost, or set aside here) numbers its rows on from what that
        database imported: starting again at 1, its rows would count as imported already.
        """
        mine = _BOT_IMPORTS.c.id == 1
        with self.engine.begin() as conn:
            theirs = conn.scalar(sa.select(_BOT_IMPORTS.c.token).where(mine))
            ours = conn.scalar(sa.select(_OWNER.c.token))
            if ours is None:
                ours = theirs or secrets.token_hex(16)
                conn.execute(_OWNER.insert(), {"token": ours})
                imported = conn.scalar(sa.select(_BOT_IMPORTS.c.seq).where(mine)) or 0
                if imported and conn.scalar(sa.select(sa.func.max(JOURNAL.c.seq))) is None:
                    # AUTOINCREMENT hands out numbers above sqlite_sequence's.
                    conn.exec_driver_sql(
                        "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)",
                        (JOURNAL.name, imported),
                    )
        if theirs is None or ours == theirs:
            return str(ours)
        self.engine.dispose()
        aside = self.path.with_name(f"{self.path.name}.other-{int(time.time())}")
        for suffix in ("", "-wal", "-shm"):
            found = Path(f"{self.path}{suffix}")
            if found.exists():
                found.rename(Path(f"{aside}{suffix}"))
        log.warning(
            "the intake journal %s belongs to another database: set aside as %s, a new one started",
            self.path,
            aside,
        )
        self.engine = self._open()
        return self._owned()

    @classmethod
    def beside(cls, engine: Engine) -> IntakeJournal | None:
        """The journal of the bot's database, created if need be; None on PostgreSQL."""
        path = path_beside(engine)
        return None if path is None else cls(path, Path(str(engine.url.database)))

    @classmethod
    def existing_beside(cls, engine: Engine) -> IntakeJournal | None:
        """The journal of the bot's database if one was ever created (rows may wait in it)."""
        path = path_beside(engine)
        if path is None or not path.exists():
            return None
        return cls(path, Path(str(engine.url.database)))

    def record(self, arrivals: Sequence[EventArrival], *, now: datetime) -> list[Recorded]:
        """Journal the events that need it, in one transaction; what each one was.

        A key the bot's database holds as handled is a duplicate and is not journaled; one it
        holds as pending is journaled again (the import makes it due); one the journal holds
        already waits to be imported and is answered pending.
        """
        keys = [a.event_key for a in arrivals]
        outcomes: list[Recorded] = []
        append: list[EventArrival] = []
        writer = self._writer
        with self._writing:
            conn = writer.connection()
            try:
                # pysqlite opens the transaction at the INSERT: the reads take no write lock.
                statuses = dict(conn.execute(writer.lookup("statuses", len(keys)), keys))
                unknown = [key for key in keys if key not in statuses]
                journaled = (
                    {row[0] for row in conn.execute(writer.lookup("keys", len(unknown)), unknown)}
                    if unknown
                    else set()
                )
                for a in arrivals:
                    status = statuses.get(a.event_key)
                    if status is not None:
                        if status != PENDING:
                            outcomes.append(Recorded.DUPLICATE)
                            continue
                        outcomes.append(Recorded.PENDING)
                    elif a.event_key in journaled:
                        outcomes.append(Recorded.PENDING)
                        continue
                    else:
                        journaled.add(a.event_key)  # a second arrival in this group waits with it
                        outcomes.append(Recorded.NEW)
                    append.append(a)
                if append:
                    conn.executemany(writer.append_sql, [writer.params(a, now) for a in append])
                conn.commit()
                self._written += 1
            except BaseException:
                with contextlib.suppress(Exception):
                    conn.rollback()
                writer.discard()
                raise
        return outcomes

    def after(self, seq: int, limit: int) -> list[JournalRow]:
        """The rows after sequence number ``seq``, oldest first, at most ``limit``."""
        with self.engine.connect() as conn:
            found = conn.execute(_after_statement(), {"after": seq, "limit": limit})
            return [_journal_row(row._mapping) for row in found]

    def trim(self, upto: int) -> int:
        """Delete the rows imported already (sequence number at most ``upto``); how many."""
        # Under the writer's lock: a record meanwhile would meet SQLite's write lock and sleep
        # in its busy handler (milliseconds); on the lock it waits for this DELETE only.
        with self._writing, self.engine.begin() as conn:
            result = conn.execute(JOURNAL.delete().where(JOURNAL.c.seq <= upto))
            return int(result.rowcount)  # type: ignore[attr-defined]

    def checkpoint(self) -> None:
        """Copy what the WAL holds into the journal file, alongside any writer (PASSIVE)."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def keep(self, imported_upto: Callable[[], int], every: float | None = None) -> None:
        """From now on, every ``every`` seconds after something was recorded, trim the journal
        behind ``imported_upto()`` and checkpoint it, in a thread of its own (not a webhook's:
        both took milliseconds inside an acknowledgement). Once per journal; ``dispose`` stops it.
        """
        if self._keeper is not None:
            return
        every = KEEP_SECONDS if every is None else every
        with self._writing:
            if self._keeper is not None:
                return
            self._keeper = threading.Thread(
                target=self._keep, args=(imported_upto, every), name="onboard-journal", daemon=True
            )
        self._keeper.start()

    def _keep(self, imported_upto: Callable[[], int], every: float) -> None:
        kept = 0  # how many records had been committed at the last trim
        holds_rows = False  # rows were left at the last trim (not imported then)
        while not self._disposed.wait(every):
            written = self._written
            if written == kept and not holds_rows:
                continue  # nothing came and nothing is left: no need to ask anyone
            try:
                self.trim(imported_upto())
                self.checkpoint()
                kept, holds_rows = written, self._holds_rows()
            except Exception:
                if not self._disposed.is_set():
                    log.warning("could not trim the intake journal (tried again)", exc_info=True)

    def _holds_rows(self) -> bool:
        with self.engine.connect() as conn:
            return conn.scalar(sa.select(JOURNAL.c.seq).limit(1)) is not None

    def dispose(self) -> None:
        """Stop the keeper and close the journal's connections, its WAL checkpointed."""
        self._disposed.set()
        if self._keeper is not None and self._keeper is not threading.current_thread():
            self._keeper.join(timeout=10)
        with self._writing:
            self._writer.close()
            with contextlib.suppress(Exception):
                self.checkpoint()
        self.engine.dispose()


@functools.cache
def _reader(path: Path) -> Engine:
    # Read-only (URI mode=ro): a look from ``doctor`` or a metrics scrape creates, claims and
    # sets aside nothing, unlike opening the journal as ``IntakeJournal`` does.
    return sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true", poolclass=sa.pool.NullPool)


def waiting_beside(
    engine: Engine, *, imported: int, token: str | None
) -> tuple[int, datetime | None]:
    """What the journal beside ``engine``'s database holds beyond ``imported`` (its import mark,
    ``journal_imports``): how many rows and when the oldest arrived. (0, None) when there is no
    journal, it belongs to another database (``token``), or it cannot be read now.

    Events wait there between the intake's commit and the next claim, milliseconds while
    ``serve`` runs, and until the next start after a kill -9: the backlog counts them.
    """
    path = path_beside(engine)
    if path is None or not path.exists():
        return 0, None
    try:
        with _reader(path).connect() as conn:
            theirs = conn.scalar(sa.select(_OWNER.c.token))
            if token is not None and theirs != token:
                return 0, None
            count, oldest = conn.execute(
                sa.select(sa.func.count(), sa.func.min(JOURNAL.c.received_at)).where(
                    JOURNAL.c.seq > imported
                )
            ).one()
    except sa.exc.SQLAlchemyError:
        log.debug("could not read the intake journal %s", path, exc_info=True)
        return 0, None
    if isinstance(oldest, datetime) and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)  # an aggregate may bypass the column's decorator
    return int(count), oldest


def _journal_row(m: Any) -> JournalRow:
    arrival = EventArrival(
        m["event_key"], m["resource"], m["event"], m["payload"], m["correlation_id"], m["space_id"]
    )
    return JournalRow(m["seq"], arrival, m["received_at"])
