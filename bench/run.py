"""The benchmark: seed a temporary SQLite database, then time the repository against raw SQL.

Every figure is compared with a baseline measured in the same run on the same machine, so the
ratios mean something on a laptop and on CI alike:

(a) the first page of ``status pending`` through ``SubscriberRepository.search`` vs a raw
    ``SELECT ... WHERE status IN (...) ORDER BY last_status_change DESC LIMIT 10``;
(b) a CSV-style pass over every subscriber through ``SubscriberRepository.stream`` vs a raw cursor
    over the same rows, and the stream's peak memory (tracemalloc) at N and at N/10 rows;
(c) seeding throughput of ``seed_subscribers`` vs a raw DB-API ``executemany`` of the same rows.

Size: ``BENCH_SUBSCRIBERS`` (default 200,000). Results: a table on stdout, JSON in
``.bench/results.json``.
"""

from __future__ import annotations

import csv
import gc
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from onboarding.clock import ManualClock
from onboarding.demo_data import SubscriberDrawer
from onboarding.model import ProvisioningStatus, StatusGroup
from onboarding.seeding import bulk_customers, seed_subscribers
from storage.models import SubscriberRow
from storage.repositories import SubscriberFilter
from storage.uow import Database

DEFAULT_SUBSCRIBERS = 200_000
RESULTS = Path(".bench/results.json")
NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
SEED = 2026

PENDING = sorted(s.value for s in ProvisioningStatus.in_group(StatusGroup.PENDING))
COLUMNS = [c.name for c in SubscriberRow.__table__.columns]


class _Discard:
    """A file that forgets what is written (the CSV pass measures reading, not disk)."""

    def write(self, text: str) -> int:
        return len(text)


def _fresh_db(folder: Path, name: str) -> Database:
    db = Database.from_url(f"sqlite:///{folder / name}.db")
    db.upgrade()
    return db


def _median_ms(fn: Callable[[], object], *, repeat: int = 5) -> float:
    fn()  # warm the page cache and the statement cache
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


# --- (a) first page -----------------------------------------------------------------------


def bench_first_page(db: Database) -> dict[str, Any]:
    flt = SubscriberFilter(statuses=set(PENDING))
    marks = ", ".join("?" for _ in PENDING)
    raw_sql = (
        f"SELECT {', '.join(COLUMNS)} FROM subscribers WHERE status IN ({marks}) "
        "ORDER BY last_status_change DESC LIMIT 10"
    )
    count_sql = f"SELECT count(*) FROM subscribers WHERE status IN ({marks})"

    def repo() -> None:
        with db.uow() as uow:
            rows, total = uow.subscribers.search(flt, offset=0, limit=10)
            assert len(rows) == 10 and total > 0

    def raw() -> None:
        with db.engine.connect() as conn:
            assert len(conn.exec_driver_sql(raw_sql, tuple(PENDING)).fetchall()) == 10

    def raw_tie_break() -> None:  # the raw query with the repository's id tie-break
        with db.engine.connect() as conn:
            conn.exec_driver_sql(
                raw_sql.replace("DESC LIMIT", "DESC, id DESC LIMIT"), tuple(PENDING)
            ).fetchall()

    def count_only() -> None:
        with db.engine.connect() as conn:
            conn.exec_driver_sql(count_sql, tuple(PENDING)).scalar()

    def page_only() -> None:  # the repository's page query without its count
        with db.uow() as uow:
            stmt = (
                sa.select(SubscriberRow)
                .where(SubscriberRow.status.in_(PENDING))
                .order_by(SubscriberRow.last_status_change.desc(), SubscriberRow.id.desc())
                .limit(10)
            )
            list(uow.session.scalars(stmt))

    with db.engine.connect() as conn:
        plan_raw = _plan(conn, raw_sql, tuple(PENDING))
        plan_repo = _plan(
            conn,
            raw_sql.replace("DESC LIMIT", "DESC, id DESC LIMIT"),
            tuple(PENDING),
        )
    repo_ms, raw_ms = _median_ms(repo), _median_ms(raw)
    measured = {
        "count_ms": _median_ms(count_only),
        "raw_with_id_tie_break_ms": _median_ms(raw_tie_break),
        "page_query_ms": _median_ms(page_only),
    }
    # The suggested fix, tried on this throw-away database: the id in the status index lets
    # SQLite walk each status's range in order and stop after ten rows.
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_subscribers_status_recent")
        conn.exec_driver_sql(
            "CREATE INDEX ix_subscribers_status_recent ON subscribers "
            "(status, last_status_change, id)"
        )
    return {
        **measured,
        "repository_ms_with_suggested_index": _median_ms(repo),
        "repository_ms": repo_ms,
        "baseline_ms": raw_ms,
        "ratio": repo_ms / raw_ms,
        "plan_baseline": plan_raw,
        "plan_repository_page": plan_repo,
    }


def _plan(conn: sa.Connection, sql: str, params: tuple[Any, ...]) -> list[str]:
    return [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)]


# --- (b) streaming ------------------------------------------------------------------------


def _csv_stream(db: Database) -> int:
    writer = csv.writer(_Discard())
    n = 0
    with db.uow() as uow:
        for row in uow.subscribers.stream(SubscriberFilter()):
            writer.writerow([getattr(row, c) for c in COLUMNS])
            n += 1
    return n


def _csv_stream_row_value(db: Database, batch: int = 2000) -> int:
    """``stream``'s keyset with a row-value comparison, which an index can seek (the fix)."""
    writer = csv.writer(_Discard())
    order = (SubscriberRow.last_status_change.desc(), SubscriberRow.id.desc())
    key = sa.tuple_(SubscriberRow.last_status_change, SubscriberRow.id)
    last: tuple[Any, str] | None = None
    n = 0
    with db.uow() as uow:
        while True:
            stmt = sa.select(SubscriberRow).order_by(*order).limit(batch)
            if last is not None:
                stmt = stmt.where(
                    key
                    < sa.tuple_(
                        sa.literal(last[0], SubscriberRow.last_status_change.type),
                        sa.literal(last[1]),
                    )
                )
            rows = list(uow.session.scalars(stmt))
            if not rows:
                return n
            for row in rows:
                writer.writerow([getattr(row, c) for c in COLUMNS])
            n += len(rows)
            last = (rows[-1].last_status_change, rows[-1].id)
            uow.session.expunge_all()


def _csv_raw(db: Database) -> int:
    writer = csv.writer(_Discard())
    sql = f"SELECT {', '.join(COLUMNS)} FROM subscribers ORDER BY last_status_change DESC, id DESC"
    n = 0
    with db.engine.connect() as conn:
        result = conn.exec_driver_sql(sql)
        while chunk := result.fetchmany(2000):
            for row in chunk:
                writer.writerow(row)
                n += 1
    return n


def _peak_mib(fn: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def bench_stream(db: Database, small: Database, n: int) -> dict[str, Any]:
    started = time.perf_counter()
    assert _csv_stream(db) == n
    stream_s = time.perf_counter() - started
    started = time.perf_counter()
    assert _csv_raw(db) == n
    raw_s = time.perf_counter() - started
    started = time.perf_counter()
    assert _csv_stream_row_value(db) == n
    row_value_s = time.perf_counter() - started
    with db.engine.connect() as conn:
        plan = _plan(
            conn,
            "SELECT id FROM subscribers WHERE last_status_change < ? OR "
            "(last_status_change = ? AND id < ?) ORDER BY last_status_change DESC, id DESC "
            "LIMIT 2000",
            ("2026-01-01", "2026-01-01", "x"),
        )
    return {
        "row_value_keyset_s": row_value_s,
        "plan_keyset": plan,
        "repository_s": stream_s,
        "baseline_s": raw_s,
        "ratio": stream_s / raw_s,
        "rows_per_s": n / stream_s,
        "peak_mib_n": _peak_mib(lambda: _csv_stream(db)),
        "peak_mib_n_over_10": _peak_mib(lambda: _csv_stream(small)),
    }


# --- (c) seeding --------------------------------------------------------------------------


def bench_raw_insert(db: Database, count: int) -> float:
    """Rows/s of a plain DB-API executemany of pre-generated rows (no generation, no ORM)."""
    drawer = SubscriberDrawer(random.Random(SEED), NOW, bulk_customers())
    rows = []
    for i in range(count):
        row = drawer.row(i, drawer.status(), drawer.package(), email_tag=str(i))
        row["errors"] = json.dumps(row["errors"])
        for key in ("created", "last_status_change"):
            row[key] = row[key].replace(tzinfo=None).isoformat(" ")
        rows.append(tuple(row[c] for c in COLUMNS))
    path = db.engine.url.database
    db.dispose()
    conn = sqlite3.connect(str(path))
    sql = f"INSERT INTO subscribers ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    try:
        started = time.perf_counter()
        with conn:
            conn.executemany(sql, rows)
        return count / (time.perf_counter() - started)
    finally:
        conn.close()


# --- the run ------------------------------------------------------------------------------


def main() -> int:
    """Run every benchmark, print the table, write the JSON; returns the exit code."""
    n = int(os.environ.get("BENCH_SUBSCRIBERS", DEFAULT_SUBSCRIBERS))
    small_n = max(n // 10, 1_000)
    clock = ManualClock(NOW)
    progress = sys.stderr.isatty()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="onboard-bench-") as tmp:
        folder = Path(tmp)
        print(f"seeding {n:,} and {small_n:,} subscribers into SQLite in {folder}", file=sys.stderr)
        big, small, raw = (_fresh_db(folder, name) for name in ("big", "small", "raw"))
        seed_big = seed_subscribers(big, count=n, random_seed=SEED, progress=progress, clock=clock)
        seed_small = seed_subscribers(
            small, count=small_n, random_seed=SEED, progress=False, clock=clock
        )
        raw_rps = bench_raw_insert(raw, small_n)
        print("measuring the first page", file=sys.stderr)
        page = bench_first_page(big)
        print("measuring the full stream", file=sys.stderr)
        stream = bench_stream(big, small, n)
        for db in (big, small):
            db.dispose()
    results = {
        "subscribers": n,
        "small_subscribers": small_n,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "cpus": os.cpu_count(),
        "seeding": {
            "rows_per_s_n": seed_big.rows_per_second,
            "rows_per_s_n_over_10": seed_small.rows_per_second,
            "baseline_rows_per_s_n_over_10": raw_rps,
            "ratio": seed_small.rows_per_second / raw_rps,
        },
        "first_page_pending": page,
        "stream_all": stream,
        "total_s": time.perf_counter() - began,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(_table(results))
    print(f"\nJSON written to {RESULTS}")
    return 0


def _table(r: dict[str, Any]) -> str:
    s, p, st = r["seeding"], r["first_page_pending"], r["stream_all"]
    n, small = r["subscribers"], r["small_subscribers"]
    lines = [
        f"onboard-bot bench: {n:,} subscribers, SQLite {r['sqlite']}, Python {r['python']}, "
        f"{r['cpus']} CPUs, {r['total_s']:.0f} s in all",
        "",
        f"{'measure':<44}{'ours':>12}{'baseline':>12}{'ratio':>9}",
        f"{'(a) first page of status pending, ms':<44}"
        f"{p['repository_ms']:>12.2f}{p['baseline_ms']:>12.2f}{p['ratio']:>8.1f}x",
        f"{'    of which count(*) for the total, ms':<44}{p['count_ms']:>12.2f}",
        f"{'    of which the page query alone, ms':<44}{p['page_query_ms']:>12.2f}",
        f"{'    raw query + the id tie-break, ms':<44}{p['raw_with_id_tie_break_ms']:>12.2f}",
        f"{'    ours with index (status, lsc, id), ms':<44}"
        f"{p['repository_ms_with_suggested_index']:>12.2f}{p['baseline_ms']:>12.2f}"
        f"{p['repository_ms_with_suggested_index'] / p['baseline_ms']:>8.1f}x",
        f"{f'(b) stream {n:,} rows as CSV, s':<44}"
        f"{st['repository_s']:>12.2f}{st['baseline_s']:>12.2f}{st['ratio']:>8.1f}x",
        f"{'    same with a row-value keyset, s':<44}{st['row_value_keyset_s']:>12.2f}"
        f"{st['baseline_s']:>12.2f}{st['row_value_keyset_s'] / st['baseline_s']:>8.1f}x",
        f"{f'    peak memory at {n:,} rows, MiB':<44}{st['peak_mib_n']:>12.1f}",
        f"{f'    peak memory at {small:,} rows, MiB':<44}{st['peak_mib_n_over_10']:>12.1f}",
        f"{f'(c) seeding {small:,} rows, rows/s':<44}"
        f"{s['rows_per_s_n_over_10']:>12,.0f}{s['baseline_rows_per_s_n_over_10']:>12,.0f}"
        f"{s['ratio']:>8.2f}x",
        f"{f'    seeding {n:,} rows, rows/s':<44}{s['rows_per_s_n']:>12,.0f}",
        "",
        "query plans (a): baseline: " + "; ".join(p["plan_baseline"]),
        "                 repository page: " + "; ".join(p["plan_repository_page"]),
        "query plan (b), stream batch: " + "; ".join(st["plan_keyset"]),
    ]
    return "\n".join(lines)
