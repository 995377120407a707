"""The two audit reads every command makes go by index, so a bot that has run for a year is as
quick as a new one: its asker's last minute (the rate limit) and its event's own entries (the
chain's "already handled" link). Over 100,000 entries without them, ``help`` cost 22 ms of CPU
instead of 2 (``python -m bench.profile_commands --audit 100000``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from onboarding.clock import ManualClock
from storage.uow import Database, UnitOfWork


@contextmanager
def statements(database: Database) -> Iterator[list[tuple[str, Any]]]:
    """The SQL (and parameters) the block sends to the database."""
    seen: list[tuple[str, Any]] = []

    def record(conn, cursor, sql, parameters, context, executemany):
        seen.append((sql, parameters))

    sa.event.listen(database.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(database.engine, "before_cursor_execute", record)


def plan_of(database: Database, read: Callable[[UnitOfWork], object]) -> str:
    """How the database runs the one statement ``read`` makes."""
    with database.uow() as uow, statements(database) as seen:
        read(uow)
    (sql, parameters), *_ = [s for s in seen if s[0].lstrip().upper().startswith("SELECT")]
    with database.engine.connect() as conn:
        if database.engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters).fetchall()
            return "\n".join(str(row[-1]) for row in rows)
        # An empty table is read whole whatever its indexes: ask what it would use otherwise.
        conn.exec_driver_sql("SET enable_seqscan = off")
        rows = conn.exec_driver_sql(f"EXPLAIN {sql}", parameters).fetchall()
        return "\n".join(str(row[0]) for row in rows)


def test_the_rate_limit_reads_the_askers_last_minute_by_index(
    database: Database, clock: ManualClock
) -> None:
    since = clock.now() - timedelta(minutes=1)

    def read(uow: UnitOfWork) -> object:
        vias = ("chat", "card")
        return uow.audit.nth_request_at("ada@x.example", 30, since=since, vias=vias, skip="t")

    plan = plan_of(database, read)
    assert "ix_audit_entries_actor_at" in plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan  # read in order, not sorted


def test_already_handled_reads_its_events_entries_by_index(database: Database) -> None:
    plan = plan_of(database, lambda uow: uow.audit.service_actions("cid-1"))
    assert "ix_audit_entries_correlation" in plan
    assert "SCAN audit_entries" not in plan and "Seq Scan" not in plan
