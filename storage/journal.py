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

import functools
import logging
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storage import db
from storage.events import NEW_EVENT, PENDING, EventArrival, Recorded
from storage.models import JSONValue, UTCDateTime

log = logging.getLogger(__name__)

SUFFIX = ".journal"

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
def _append_statement() -> Any:
    return JOURNAL.insert()


@functools.cache
def _after_statement() -> Any:
    return (
        sa.select(JOURNAL)
        .where(JOURNAL.c.seq > sa.bindparam("after"))
        .order_by(JOURNAL.c.seq)
        .limit(sa.bindparam("limit"))
    )


@functools.cache
def _keys_statement() -> Any:
    return sa.select(JOURNAL.c.event_key).where(
        JOURNAL.c.event_key.in_(sa.bindparam("keys", expanding=True))
    )


@functools.cache
def _statuses_statement() -> Any:
    return sa.select(_BOT_EVENTS.c.event_key, _BOT_EVENTS.c.status).where(
        _BOT_EVENTS.c.event_key.in_(sa.bindparam("keys", expanding=True))
    )


class IntakeJournal:
    """The journal file: appended to by the intake, read by the importers, trimmed behind them."""

    def __init__(self, path: Path, bot_database: Path) -> None:
        self.path = path
        self._bot_database = bot_database
        self.engine = self._open()
        #: The token of the database this journal belongs to (``journal_imports.token``).
        self.owner = self._owned()

    def _open(self) -> Engine:
        engine = db.make_engine(f"sqlite:///{self.path}")
        bot_database = str(self._bot_database)

        def attach(dbapi_conn: Any, _record: Any) -> None:
            # The bot's database beside the journal, so that one transaction of the journal's
            # reads the events there (a WAL read: no write lock of the bot's database taken).
            dbapi_conn.execute(f"ATTACH DATABASE ? AS {_BOT}", (bot_database,))

        sa.event.listen(engine, "connect", attach)
        _METADATA.create_all(engine)
        return engine

    def _owned(self) -> str:
        """The journal's owner, the bot's database; a journal of another database is set aside.

        Deleting the database to start over (README) leaves its journal: rows imported there
        but not yet trimmed must not be imported, and answered, a second time in the new one.
        """
        with self.engine.begin() as conn:
            theirs = conn.scalar(sa.select(_BOT_IMPORTS.c.token).where(_BOT_IMPORTS.c.id == 1))
            ours = conn.scalar(sa.select(_OWNER.c.token))
            if ours is None:
                ours = theirs or secrets.token_hex(16)
                conn.execute(_OWNER.insert(), {"token": ours})
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
        with self.engine.begin() as conn:
            statuses = {
                key: status for key, status in conn.execute(_statuses_statement(), {"keys": keys})
            }
            unknown = [key for key in keys if key not in statuses]
            journaled = set(conn.execute(_keys_statement(), {"keys": unknown}).scalars())
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
                conn.execute(_append_statement(), [a.values(now) for a in append])
        return outcomes

    def after(self, seq: int, limit: int) -> list[JournalRow]:
        """The rows after sequence number ``seq``, oldest first, at most ``limit``."""
        with self.engine.connect() as conn:
            found = conn.execute(_after_statement(), {"after": seq, "limit": limit})
            return [_journal_row(row._mapping) for row in found]

    def trim(self, upto: int) -> int:
        """Delete the rows imported already (sequence number at most ``upto``); how many."""
        with self.engine.begin() as conn:
            result = conn.execute(JOURNAL.delete().where(JOURNAL.c.seq <= upto))
            return int(result.rowcount)  # type: ignore[attr-defined]

    def dispose(self) -> None:
        """Close the journal's connections."""
        self.engine.dispose()


def _journal_row(m: Any) -> JournalRow:
    arrival = EventArrival(
        m["event_key"], m["resource"], m["event"], m["payload"], m["correlation_id"], m["space_id"]
    )
    return JournalRow(m["seq"], arrival, m["received_at"])
