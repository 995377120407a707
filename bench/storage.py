"""The storage bench: a big partner's subscriber list on SQLite and PostgreSQL, side by side.

Each database gets the same generated subscribers (``seed_subscribers``, 1,000,000 by default),
then every figure is measured through the service, as a chat command reaches storage, next to a
raw-SQL baseline on the same database in the same run, so the ratio means something anywhere:

- seeding: seconds and the peak RSS of a process that seeds (the target: well under 515 MB);
- the first page of each list filter (``status``, ``status pending``, ``status all novak``, ...):
  p50 of ``list_subscribers`` vs a raw ``SELECT ... ORDER BY ... LIMIT 10`` without any count;
- export: rows/s and RSS growth of ``export_csv`` writing every subscriber to a file vs a raw
  cursor into ``csv.writer``;
- one digest build (``build_report`` against the previous digest's summary), and the first one.

``run_storage_bench(quick)`` returns the figures as a dict; ``quick`` (``BENCH_QUICK=1``) seeds
20,000 subscribers so the whole bench runs in well under a minute. PostgreSQL is measured when
``BENCH_POSTGRES_URL`` or ``ONBOARD_TEST_POSTGRES_URL`` names a server: a database of its own is
created there and dropped afterwards. ``BENCH_SUBSCRIBERS`` overrides the size,
``BENCH_DATABASES=sqlite`` (or ``postgresql``) measures one of them, and ``BENCH_SQLITE_URL`` /
``BENCH_POSTGRES_DB_URL`` reuse an already seeded database instead of seeding one.
"""

from __future__ import annotations

import csv
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bot.bootstrap import freeze_loaded_objects
from onboarding.clock import ManualClock
from onboarding.digest import Content, build_report, summary_of
from onboarding.model import Package, ProvisioningStatus, StatusGroup
from onboarding.providers.sandbox import SandboxProvider
from onboarding.queries import SubscriberQuery
from onboarding.service import OnboardingService
from storage.models import SubscriberRow
from storage.uow import Database

FULL_SUBSCRIBERS = 1_000_000
QUICK_SUBSCRIBERS = 20_000
NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
SEED = 2026
PAGE = 10
COLUMNS = [c.name for c in SubscriberRow.__table__.columns]
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def _statuses(*groups: StatusGroup) -> list[str]:
    return sorted(s.value for s in ProvisioningStatus if s.group in groups)


NOT_PROVISIONED = _statuses(StatusGroup.PENDING, StatusGroup.ERROR)


@dataclass(frozen=True, slots=True)
class Filter:
    """One list filter: as typed, as a query, and as the raw SQL baseline's WHERE clause."""

    typed: str
    query: SubscriberQuery
    where: str  # with :params
    params: dict[str, Any]


def _in(name: str, values: list[str]) -> tuple[str, dict[str, Any]]:
    marks = ", ".join(f":{name}{i}" for i in range(len(values)))
    return f"status IN ({marks})", {f"{name}{i}": v for i, v in enumerate(values)}


def filters(customer: str) -> list[Filter]:
    """The filters a partner admin types, each with its raw-SQL equivalent."""
    default_where, default_params = _in("s", NOT_PROVISIONED)
    error_where, error_params = _in("s", ["error"])
    pending = _statuses(StatusGroup.PENDING)
    pending_where, pending_params = _in("s", pending)
    like = (
        "(lower(email) LIKE :t OR lower(user_id) LIKE :t OR lower(first_name) LIKE :t "
        "OR lower(last_name) LIKE :t)"
    )
    return [
        Filter("status", SubscriberQuery(), default_where, default_params),
        Filter(
            "status pending",
            SubscriberQuery(groups=frozenset({StatusGroup.PENDING})),
            pending_where,
            pending_params,
        ),
        Filter(
            "status errors",
            SubscriberQuery(groups=frozenset({StatusGroup.ERROR})),
            error_where,
            error_params,
        ),
        Filter(
            "status all novak",
            SubscriberQuery(text="novak", include_provisioned=True),
            like,
            {"t": "%novak%"},
        ),
        Filter(
            "status all 1234567",
            SubscriberQuery(text="1234567", include_provisioned=True),
            like,
            {"t": "%1234567%"},
        ),
        Filter(
            "status all package premium",
            SubscriberQuery(package=Package.PREMIUM, include_provisioned=True),
            "package = :p",
            {"p": "premium"},
        ),
        Filter(
            f"status all customer {customer}",
            SubscriberQuery(customer=customer, include_provisioned=True),
            "customer_id = :c",
            {"c": customer},
        ),
        Filter(
            f"status errors customer {customer} package basic",
            SubscriberQuery(
                groups=frozenset({StatusGroup.ERROR}), customer=customer, package=Package.BASIC
            ),
            f"{error_where} AND customer_id = :c AND package = :p",
            {**error_params, "c": customer, "p": "basic"},
        ),
    ]


# --- measuring helpers -------------------------------------------------------------------------


def _p50_ms(fn: Callable[[], object], *, repeat: int) -> float:
    fn()  # warm the caches and the statement cache
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE_SIZE


def _peak_rss_bytes() -> int:
    """The process's peak RSS since the last reset (Linux's ``VmHWM``), in bytes."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


@contextmanager
def _rss_peak() -> Iterator[dict[str, int]]:
    """The RSS before and the peak during the block; yields a dict that gets both.

    The kernel keeps the peak: writing 5 to ``/proc/self/clear_refs`` resets it to the current
    RSS (Linux 4.0+), and ``VmHWM`` reads it afterwards. A sampling thread instead took the GIL
    200 times a second from the export it measured and made it a fifth slower. Where the reset
    is refused, a thread samples every 5 ms as before.
    """
    gc.collect()
    out = {"before": _rss_bytes(), "peak": 0}
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        with _sampled_rss_peak(out):
            yield out
        return
    yield out
    out["peak"] = max(_peak_rss_bytes(), _rss_bytes())


@contextmanager
def _sampled_rss_peak(out: dict[str, int]) -> Iterator[None]:
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            out["peak"] = max(out["peak"], _rss_bytes())
            stop.wait(0.005)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        out["peak"] = max(out["peak"], _rss_bytes())


# --- the figures -------------------------------------------------------------------------------


def seed_in_subprocess(url: str, count: int) -> dict[str, Any]:
    """Seed ``count`` subscribers in a child process; its time and peak RSS."""
    code = (
        "import sys; from datetime import datetime; from onboarding.clock import ManualClock; "
        "from onboarding.seeding import seed_subscribers; from storage.uow import Database; "
        "db = Database.from_url(sys.argv[1]); db.upgrade(); "
        "r = seed_subscribers(db, count=int(sys.argv[2]), random_seed=int(sys.argv[3]), "
        "progress=False, clock=ManualClock(datetime.fromisoformat(sys.argv[4]))); "
        "import resource; print(r.inserted, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, url, str(count), str(SEED), NOW.isoformat()],
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    inserted, peak_kib = (int(word) for word in done.stdout.split()[-2:])
    return {
        "inserted": inserted,
        "seconds": seconds,
        "rows_per_s": count / seconds,
        "peak_rss_mib": peak_kib / 1024,  # the seeding process's own peak (ru_maxrss, KiB)
    }


def _raw_page(db: Database, flt: Filter) -> Callable[[], object]:
    sql = sa.text(
        f"SELECT {', '.join(COLUMNS)} FROM subscribers WHERE {flt.where} "
        f"ORDER BY last_status_change DESC, id DESC LIMIT {PAGE}"
    )

    def run() -> object:
        with db.engine.connect() as conn:
            return conn.execute(sql, flt.params).fetchall()

    return run


def bench_filters(
    service: OnboardingService, customer: str, *, repeat: int
) -> list[dict[str, Any]]:
    """p50 of each filter's first page through the service, and of the raw page query."""
    out = []
    for flt in filters(customer):

        def ours(flt: Filter = flt) -> object:
            return service.list_subscribers(flt.query, page_size=PAGE, refresh=False)

        result = service.list_subscribers(flt.query, page_size=PAGE, refresh=False)
        page = result.page
        ours_ms = _p50_ms(ours, repeat=repeat)
        raw_ms = _p50_ms(_raw_page(service.db, flt), repeat=repeat)
        out.append(
            {
                "filter": flt.typed,
                "p50_ms": ours_ms,
                "raw_p50_ms": raw_ms,
                "ratio": ours_ms / raw_ms if raw_ms else float("inf"),
                "total_shown": _total_text(page),
                "rows": len(page.items),
            }
        )
    return out


def _total_text(page: Any) -> str:
    capped = getattr(page, "total_capped", False)
    return f"{page.total:,}" + ("+" if capped else "")


def bench_export(service: OnboardingService, folder: Path, count: int) -> dict[str, Any]:
    """Rows/s and RSS growth of ``export all`` into a file, and a raw cursor's rows/s.

    Both after one untimed read of the list in its order: the first to read the table's pages
    after seeding paid for bringing them into the page cache (ours, measured first, ran at
    half the speed of the raw cursor after it on the same pages).
    """
    path = folder / "export.csv"
    query = SubscriberQuery(include_provisioned=True)
    with service.db.engine.connect() as conn:
        warm = conn.execution_options(stream_results=True, yield_per=5000).exec_driver_sql(
            f"SELECT {', '.join(COLUMNS)} FROM subscribers "
            "ORDER BY last_status_change DESC, id DESC"
        )
        warmed = sum(len(part) for part in warm.partitions())
    assert warmed == count, (warmed, count)
    with _rss_peak() as rss, path.open("w", encoding="utf-8", newline="") as out:
        started = time.perf_counter()
        rows = service.export_csv(query, out)
        seconds = time.perf_counter() - started
    size = path.stat().st_size
    path.unlink()
    raw_path = folder / "raw.csv"
    sql = f"SELECT {', '.join(COLUMNS)} FROM subscribers ORDER BY last_status_change DESC, id DESC"
    with raw_path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        started = time.perf_counter()
        with service.db.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=5000).exec_driver_sql(
                sql
            )
            raw_rows = 0
            for part in result.partitions():
                writer.writerows(part)
                raw_rows += len(part)
        raw_seconds = time.perf_counter() - started
    raw_path.unlink()
    assert rows == count == raw_rows, (rows, count, raw_rows)
    return {
        "rows": rows,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "raw_rows_per_s": raw_rows / raw_seconds,
        "ratio": (rows / seconds) / (raw_rows / raw_seconds),
        "rss_growth_mib": (rss["peak"] - rss["before"]) / 2**20,
        "file_mib": size / 2**20,
    }


def bench_digest(service: OnboardingService) -> dict[str, Any]:
    """One digest build: the first of a space, then one against the previous digest."""
    started = time.perf_counter()
    first = build_report(service, content=Content.ALL, previous=None)
    first_s = time.perf_counter() - started
    previous = summary_of(first, posted=True)
    started = time.perf_counter()
    report = build_report(service, content=Content.ALL, previous=previous, previous_at=NOW)
    next_s = time.perf_counter() - started
    return {
        "first_s": first_s,
        "next_s": next_s,
        "new_errors": report.new_errors.total,
        "first_new_errors": first.new_errors.total,
        "summary_kib": len(repr(previous)) / 1024,
    }


# --- the run -----------------------------------------------------------------------------------


def _postgres_server() -> str | None:
    return os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("ONBOARD_TEST_POSTGRES_URL")


@contextmanager
def _postgres_database(server: str) -> Iterator[str]:
    """A database of its own on ``server``, dropped afterwards."""
    name = f"onboard_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def bench_database(url: str, count: int, folder: Path, *, repeat: int) -> dict[str, Any]:
    """Every figure on one database (seeded here unless it already holds ``count`` rows)."""
    db = Database.from_url(url)
    db.upgrade()
    with db.uow() as uow:
        present = uow.subscribers.count()
    seeding = seed_in_subprocess(url, count) if present == 0 else {"reused": present}
    if present == 0:
        db.dispose()  # the child changed the schema's indexes; start from fresh connections
    clock = ManualClock(NOW)
    service = OnboardingService(db, SandboxProvider(db, clock), clock)
    # As ``serve`` does before it forks the worker processes that run exports (bot/bootstrap.py):
    # what is loaded now stays out of the collections that a million exported rows set off.
    freeze_loaded_objects()
    with db.engine.connect() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.execute(sa.text("ANALYZE subscribers"))
        customer = conn.execute(
            sa.text(
                "SELECT customer_id FROM subscribers GROUP BY customer_id "
                "ORDER BY count(*) DESC, customer_id LIMIT 1"
            )
        ).scalar_one()
    out = {
        "dialect": db.engine.dialect.name,
        "subscribers": count,
        "seeding": seeding,
        "filters": bench_filters(service, customer, repeat=repeat),
        "export": bench_export(service, folder, count),
        "digest": bench_digest(service),
    }
    db.dispose()
    return out


def run_storage_bench(quick: bool) -> dict[str, Any]:
    """Every storage figure on SQLite (and PostgreSQL when a server is configured)."""
    count = int(
        os.environ.get("BENCH_SUBSCRIBERS", QUICK_SUBSCRIBERS if quick else FULL_SUBSCRIBERS)
    )
    repeat = 5 if quick else 9
    results: dict[str, Any] = {"subscribers": count, "quick": quick, "databases": {}}
    with tempfile.TemporaryDirectory(prefix="onboard-bench-storage-") as tmp:
        folder = Path(tmp)
        sqlite_url = os.environ.get("BENCH_SQLITE_URL") or f"sqlite:///{folder / 'bench.db'}"
        wanted = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
        if "sqlite" in wanted:
            print(f"storage bench: SQLite, {count:,} subscribers", file=sys.stderr)
            results["databases"]["sqlite"] = bench_database(
                sqlite_url, count, folder, repeat=repeat
            )
        server = _postgres_server()
        if server and "postgresql" in wanted:
            print(f"storage bench: PostgreSQL, {count:,} subscribers", file=sys.stderr)
            reuse = os.environ.get("BENCH_POSTGRES_DB_URL")
            if reuse:
                pg = bench_database(reuse, count, folder, repeat=repeat)
            else:
                with _postgres_database(server) as url:
                    pg = bench_database(url, count, folder, repeat=repeat)
            results["databases"]["postgresql"] = pg
    return results


def storage_table(results: dict[str, Any]) -> str:
    """The storage figures as a text table, databases side by side."""
    dbs = results["databases"]
    names = list(dbs)
    head = f"{'storage, ' + format(results['subscribers'], ',') + ' subscribers':<52}"
    head += "".join(f"{n + ' ours':>16}{'raw':>10}{'x':>7}" for n in names)
    lines = [head]
    for i, row in enumerate(dbs[names[0]]["filters"]):
        line = f"{row['filter'] + ' p50 ms':<52}"
        for n in names:
            r = dbs[n]["filters"][i]
            line += f"{r['p50_ms']:>16.1f}{r['raw_p50_ms']:>10.1f}{r['ratio']:>6.1f}x"
        lines.append(line)
    for label, key, raw_key, fmt in (
        ("export all, rows/s", "rows_per_s", "raw_rows_per_s", ",.0f"),
        ("export all, RSS growth MiB", "rss_growth_mib", None, ".1f"),
    ):
        line = f"{label:<52}"
        for n in names:
            e = dbs[n]["export"]
            raw = f"{e[raw_key]:{fmt}}" if raw_key else ""
            ratio = f"{e['ratio']:.2f}x" if raw_key else ""
            line += f"{e[key]:>16{fmt}}{raw:>10}{ratio:>7}"
        lines.append(line)
    for label, key in (("digest, first of a space, s", "first_s"), ("digest, next, s", "next_s")):
        line = f"{label:<52}"
        for n in names:
            line += f"{dbs[n]['digest'][key]:>16.2f}{'':>17}"
        lines.append(line)
    line = f"{'seeding: peak RSS MiB / rows per s':<52}"
    for n in names:
        s = dbs[n]["seeding"]
        if "peak_rss_mib" in s:
            line += f"{s['peak_rss_mib']:>16.0f}{s['rows_per_s']:>10,.0f}{'':>7}"
        else:
            line += f"{'(reused)':>16}{'':>17}"
    lines.append(line)
    return "\n".join(lines)
