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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storage import db
from storage.events import PENDING, EventArrival, Recorded
from storage.models import JSONValue, UTCDateTime

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
_BOT_EVENTS = sa.Table(
    "webhook_events",
    sa.MetaData(),
    sa.Column("event_key", sa.String(300)),
    sa.Column("status", sa.String(20)),
    schema=_BOT,
)


@dataclass(frozen=True, slots=True)
class JournalRow:
    """An event as the journal holds it, with its sequence number."""

    seq: int
    event_key: str
    resource: str
    event: str
    payload: dict[str, Any]
    received_at: datetime
    correlation_id: str | None
    space_id: str | None

    def event_values(self) -> dict[str, Any]:
        """The row's values for ``webhook_events``, as a new pending event."""
        return {
            "event_key": self.event_key,
            "resource": self.resource,
            "event": self.event,
            "payload": self.payload,
            "received_at": self.received_at,
            "status": PENDING,
            "attempts": 0,
            "correlation_id": self.correlation_id,
            "space_id": self.space_id,
        }


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
        self.engine = db.make_engine(f"sqlite:///{path}")

        def attach(dbapi_conn: Any, _record: Any) -> None:
            # The bot's database beside the journal, so that one transaction of the journal's
            # reads the events there (a WAL read: no write lock of the bot's database taken).
            dbapi_conn.execute(f"ATTACH DATABASE ? AS {_BOT}", (str(bot_database),))

        sa.event.listen(self.engine, "connect", attach)
        _METADATA.create_all(self.engine)

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
                conn.execute(_append_statement(), [_row(a, now) for a in append])
        return outcomes

    def after(self, seq: int, limit: int) -> list[JournalRow]:
        """The rows after sequence number ``seq``, oldest first, at most ``limit``."""
        with self.engine.connect() as conn:
            found = conn.execute(_after_statement(), {"after": seq, "limit": limit})
            return [JournalRow(**row._mapping) for row in found]

    def trim(self, upto: int) -> int:
        """Delete the rows imported already (sequence number at most ``upto``); how many."""
        with self.engine.begin() as conn:
            result = conn.execute(JOURNAL.delete().where(JOURNAL.c.seq <= upto))
            return int(result.rowcount)  # type: ignore[attr-defined]

    def dispose(self) -> None:
        """Close the journal's connections."""
        self.engine.dispose()


def _row(arrival: EventArrival, now: datetime) -> dict[str, Any]:
    return {
        "event_key": arrival.event_key,
        "resource": arrival.resource,
        "event": arrival.event,
        "payload": dict(arrival.payload),
        "received_at": now,
        "correlation_id": arrival.correlation_id,
        "space_id": arrival.space_id,
    }
