"""Engines, sessions and migrations: one place that knows how we talk to the database."""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time
import weakref
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from storage import json_text

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
DEFAULT_URL = "sqlite:///var/onboard-bot.db"

# Any fixed 64-bit number: every process that migrates takes this advisory lock first.
_MIGRATION_LOCK_ID = 7_416_032_811


def is_sqlite(url: str | sa.URL) -> bool:
    """True for SQLite URLs."""
    return sa.make_url(url).get_backend_name() == "sqlite"


def normalise_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` as operators write them; use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


#: How long a SQLite writer waits for the write lock before "database is locked" (ms).
SQLITE_BUSY_TIMEOUT_MS = 15_000


class _WriteLock:
    """This process's turn at SQLite's one write lock, handed over at once when it is freed.

    SQLite lets one connection write at a time; a connection that finds the lock taken sleeps in
    its busy handler (1, 2, 5, 10, ... ms) and tries again, so a webhook INSERT that arrived just
    after a worker began a settle waited several milliseconds after the settle had committed (the
    engine bench's ack p99). Within a process, writers instead queue here, on a Python lock that
    wakes the next one the moment the last committed. Between the processes of one ``serve``
    (the intake and its worker process, bot/worker_process.py) the turn is an ``flock`` on a file
    beside the database, tried every 50-500 microseconds: a freed lock is taken within half a
    millisecond, and the kernel drops it with a killed holder. SQLite's own lock stays the real
    guard: other processes (a CLI command, a second ``serve``) do not take the turn and meet
    busy_timeout as before, and a writer that does not get the turn within the busy timeout goes
    on to SQLite's own wait.
    """

    def __init__(self, path: Path | None = None) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None  # thread id of the holder
        self._path = path
        self._file: int | None = None  # this process's descriptor of the lock file
        self._file_pid = 0  # which process opened it (a forked child opens its own)
        self._file_held = False
        self._first_pid = 0  # the process whose writers go first (``prefer``)

    def prefer(self) -> None:
        """Let this process's writers go first: the others sharing the turn (the worker
        processes forked from it) hold back while one of its writers waits.

        The flock has no order: when the holder let go, whichever poller tried next took the
        turn, and the intake, one poller against a worker process's each, waited behind
        several worker transactions for one webhook's INSERT (10.9 ms at p99 in the engine
        bench). A waiting preferred writer now sets a flag byte in the lock file; the others
        read it before each try and keep off for up to ``_DEFER_MAX`` seconds, so the intake
        waits for the current holder only. The bound keeps a flag left by a killed process
        (or a second ``serve`` on the same file) from stalling anyone for long.
        """
        self._first_pid = os.getpid()

    def acquire(self) -> bool:
        """Wait for the turn; False when not taken (this thread holds it already, or timeout)."""
        if self._owner == threading.get_ident():
            return False  # a second connection of the holder: SQLite itself decides
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
        if not self._lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            return False
        self._owner = threading.get_ident()
        self._file_held = self._path is not None and self._lock_file(deadline)
        return True

    def release(self) -> None:
        """The holder's transaction ended."""
        if self._file_held and self._file is not None:
            self._file_held = False
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._owner = None
        self._lock.release()

    def _lock_file(self, deadline: float) -> bool:
        if self._file is None or self._file_pid != os.getpid():
            # A descriptor inherited across fork shares its lock with the parent: open anew.
            assert self._path is not None
            self._file = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._file_pid = os.getpid()
        first = self._first_pid == os.getpid()
        flagged = False  # a preferred writer raises the flag only once it finds the turn taken
        defer_until = time.monotonic() + _DEFER_MAX
        pause = 0.00005
        try:
            while True:
                deferring = not first and time.monotonic() <= defer_until and self._first_waits()
                if not deferring and self._try_flock():
                    return True
                if first and not flagged:
                    os.pwrite(self._file, _WAITING, 0)
                    flagged = True
                if time.monotonic() > deadline:
                    return False
                # Polling, not a blocking flock: a frozen holder must not hang the intake.
                time.sleep(pause)
                pause = min(pause * 2, 0.0005)
        finally:
            if flagged:
                os.pwrite(self._file, _NOT_WAITING, 0)

    def _try_flock(self) -> bool:
        assert self._file is not None
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _first_waits(self) -> bool:
        assert self._file is not None
        return os.pread(self._file, 1, 0) == _WAITING


#: The flag byte of the lock file: a writer of the preferred process waits (``prefer``).
_WAITING, _NOT_WAITING = b"\x01", b"\x00"
#: How long the other processes hold back for a waiting preferred writer, at most (seconds).
_DEFER_MAX = 0.02

#: The statements before which pysqlite opens a transaction (and SQLite takes its write lock).
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")


class _Cursor(sqlite3.Cursor):
    """Takes the process's write turn before a connection's first write of a transaction."""

    def execute(self, sql: str, parameters: Any = (), /) -> _Cursor:
        connection = self._turn(sql)
        try:
            super().execute(sql, parameters)
        finally:
            self._settled(connection)
        return self

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> _Cursor:
        connection = self._turn(sql)
        try:
            super().executemany(sql, seq_of_parameters)
        finally:
            self._settled(connection)
        return self

    def _turn(self, sql: str) -> _Connection | None:
        connection = self.connection
        if not isinstance(connection, _Connection) or connection.holds_turn:
            return None
        if sql.lstrip()[:6].upper().startswith(_WRITES):
            connection.take_turn()
        return connection

    @staticmethod
    def _settled(connection: _Connection | None) -> None:
        # No transaction open after the statement (autocommit, or it failed before BEGIN):
        # nothing to commit later, so the turn goes back now.
        if connection is not None and not connection.in_transaction:
            connection.give_back()


class _Connection(sqlite3.Connection):
    """A pysqlite connection that queues for the write turn (``_WriteLock``) of its file."""

    write_lock: _WriteLock | None = None
    holds_turn = False

    def cursor(self, factory: Any = _Cursor) -> Any:  # type: ignore[override]
        return super().cursor(factory)

    def take_turn(self) -> None:
        lock = self.write_lock
        if lock is not None and lock.acquire():
            self.holds_turn = True

    def give_back(self) -> None:
        if self.holds_turn and self.write_lock is not None:
            self.holds_turn = False
            self.write_lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.give_back()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.give_back()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.give_back()


def _on_sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    """The SQLite settings the webhook intake and the worker pools rely on.

    SQLite has one writer at a time. The intake (one short INSERT per webhook) must never wait on
    a worker, so:

    * ``journal_mode=WAL``: readers never block the writer and the writer never blocks readers;
      a worker reading a page of subscribers does not hold up the intake's INSERT.
    * ``synchronous=NORMAL``: durable enough in WAL mode. A commit is a ``write()`` of its pages
      to the WAL file: once it returns, the pages are in the operating system's cache, which
      outlives the process, so a commit survives kill -9, an OOM kill or a crash of the bot
      (the next connection replays the WAL). Only the WAL is fsynced, at each checkpoint, not at
      each commit; an operating-system crash or power loss may therefore undo the last commits,
      never corrupt the file (WAL frames are checksummed). FULL would fsync on every commit: a
      disk flush (milliseconds, more on a VM's disk) on every webhook acknowledgement, which
      the intake's ack target (p99 <= 5 ms) cannot afford. The price: an event acknowledged
      just before a power loss of the host may be gone (Webex does not redeliver after a 200).
    * Writers of one process queue on a Python lock (``_WriteLock``) before SQLite's: they are
      woken the moment the previous writer commits, instead of polling in the busy handler.
    * ``busy_timeout``: a writer that finds the lock taken waits (up to 15 s) instead of failing
      at once; with every write transaction a few milliseconds long (claims, settles and
      heartbeats are single statements or tiny transactions, and no Webex or provider call ever
      runs inside one, see bot/worker.py and bot/delivery.py), the wait is that long.
    * pysqlite's default transaction handling is kept: it issues ``BEGIN`` just before the first
      INSERT/UPDATE/DELETE, not before a SELECT, so a read-then-write transaction never holds a
      read snapshot that must be upgraded to a write lock (an upgrade that fails with
      SQLITE_BUSY at once, without honouring busy_timeout). The claims are compare-and-set
      UPDATEs (storage/claims.py), correct under that.
    * ``foreign_keys=ON``: SQLite leaves them off unless asked.
    """
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


#: Connections a process may open beyond the pool's kept ones: the worker and sender pools
#: (16 each by default) and the web threads each hold one only for a short transaction.
MAX_OVERFLOW = 25
#: Connections kept open to a SQLite file. A connection beyond the kept ones is closed when it is
#: returned, and the next one pays the connect and its four PRAGMAs: with 5 kept, a burst opened
#: and closed a connection every few commands. A SQLite connection is a file handle and a page
#: cache, so keeping 20 is cheap.
SQLITE_POOL_SIZE = 20


def make_engine(url: str, *, write_turn: bool = True, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite files get WAL, a busy timeout and their folder created.

    ``write_turn=False``: a SQLite file whose writes one thread of one process makes (the intake
    journal, storage/journal.py) skips the write turn; SQLite's own lock still guards it.
    """
    url = normalise_url(url)
    # A card already encoded (an EncodedJSON, storage/json_text.py) is stored as its own text.
    kwargs.setdefault("json_serializer", json_text.dumps)
    if is_sqlite(url):
        database = sa.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs.setdefault("max_overflow", MAX_OVERFLOW)
            kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
        file_db = bool(database) and database != ":memory:"
        lock = _WriteLock(Path(f"{database}.write-turn") if file_db else None)
        engine = sa.create_engine(
            url,
            connect_args={
                "check_same_thread": False,
                "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                "factory": _Connection,
            },
            **kwargs,
        )

        _TURNS[engine] = lock

        def on_connect(dbapi_conn: Any, record: Any) -> None:
            if isinstance(dbapi_conn, _Connection) and write_turn:
                dbapi_conn.write_lock = lock  # one turn per engine, i.e. per database file
            _on_sqlite_connect(dbapi_conn, record)

        sa.event.listen(engine, "connect", on_connect)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("max_overflow", MAX_OVERFLOW)
    return sa.create_engine(url, **kwargs)


#: Each SQLite file engine's write turn (``prefer_writes``).
_TURNS: weakref.WeakKeyDictionary[Engine, _WriteLock] = weakref.WeakKeyDictionary()


def prefer_writes(engine: Engine) -> None:
    """This process's writes go first at the SQLite write turn of ``engine`` (see
    ``_WriteLock.prefer``); ``serve`` calls it for its intake before it forks the workers.
    Nothing to do on PostgreSQL, where writers do not queue for one lock."""
    lock = _TURNS.get(engine)
    if lock is not None:
        lock.prefer()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (the unit of work hands them out)."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs our migrations on ``engine``'s database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the database to the latest migration; concurrent starts on PostgreSQL are safe."""
    cfg = alembic_config(engine)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_LOCK_ID})
            try:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                conn.commit()
            finally:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_LOCK_ID})
                conn.commit()
    else:
        command.upgrade(cfg, "head")


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
