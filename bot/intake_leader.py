"""One websocket leader across the ``serve`` processes sharing a database.

The bot has one WDM device, found by name: two processes sharing it would each see the other's
device as stale, and what Mercury does with two sockets on one registration is not documented.
So one process leads (a PostgreSQL advisory lock, or a lease in the ``locks`` table on SQLite,
the scheduler's own mechanisms with a key of their own) and the others stand by; a takeover's
gap is covered by the backfill, an overlap of two leaders by the event store's dedupe.
"""

from __future__ import annotations

from datetime import timedelta

from bot.bootstrap import Bot
from bot.scheduler import AdvisoryLock, Leadership, LeaseLock

#: Any fixed 64-bit number, distinct from the scheduler's and the migration lock's.
ADVISORY_LOCK_ID = 7_416_032_813
LEASE_NAME = "websocket-intake"


class SoleLeader:
    """Leadership for a process that never shares its database (tests, one-off runs)."""

    def acquire(self) -> bool:
        """Lead alone: always True."""
        return True

    def release(self) -> None:
        """Nothing to release."""


def leadership_for(bot: Bot, lease: timedelta = timedelta(seconds=30)) -> Leadership:
    """One websocket leader across the processes sharing this database."""
    if bot.db.engine.dialect.name == "postgresql":
        return AdvisoryLock(bot.db.engine.url, key=ADVISORY_LOCK_ID)
    return LeaseLock(bot.db, name=LEASE_NAME, ttl=lease)
