"""Bulk seeding: large, deterministic subscriber sets for benchmarks and load tests.

Rows come from the demo set's ``SubscriberDrawer`` (same statuses, packages, errors, ages) and go
in with batched SQLAlchemy Core inserts. ``INSERT ... ON CONFLICT DO NOTHING`` makes a repeated
run with the same seed a no-op rather than an error; the first N rows of a seed are the same
whatever the count (timestamps aside, which are relative to the clock's now).
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from tqdm import tqdm

from onboarding.clock import Clock, SystemClock
from onboarding.demo_data import (
    DEMO_CUSTOMERS,
    SHARE_LINK_ACTIVATION,
    DemoCustomer,
    SubscriberDrawer,
    ascii_slug,
)
from onboarding.model import Customer
from storage import search
from storage.models import AuditEntryRow, Base, CustomerRow, SubscriberRow
from storage.uow import Database

_BATCH = 5_000
_BULK_CUSTOMERS = 50

_PLACES = ("Vltava", "Morava", "Sázava", "Krkonoše", "Šumava", "Thames", "Severn", "Pennine")
_TRADES = (
    ("Telekom", "s.r.o."),
    ("Stavby", "a.s."),
    ("Logistics", "Ltd"),
    ("Energie", "a.s."),
    ("Software", "s.r.o."),
    ("Retail", "Ltd"),
)


@dataclass(frozen=True, slots=True)
class SeedReport:
    """What a seeding run did."""

    requested: int
    inserted: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        """Insert throughput of the run."""
        return self.requested / self.seconds if self.seconds > 0 else float("inf")


def bulk_customers() -> list[DemoCustomer]:
    """The demo customers plus generated ones: the same 50 for every seed and every count."""
    customers = list(DEMO_CUSTOMERS)
    for n in range(_BULK_CUSTOMERS - len(customers)):
        place, (trade, form) = _PLACES[n % len(_PLACES)], _TRADES[n // len(_PLACES) % len(_TRADES)]
        czech = form != "Ltd"
        cid = f"{ascii_slug(place)}-{ascii_slug(trade)}-{n:03d}"
        name = f"{place} {trade} {n:03d} {form}"
        customers.append(
            DemoCustomer(
                Customer(cid, name, untrusted_emails=True, share_link=SHARE_LINK_ACTIVATION),
                template_name=f"{name} – Webex for BroadWorks",
                email_domain=f"{cid}.example",
                phone_prefix="42077" if czech else "447800",
                locale="cs" if czech else "en",
                weight=10,
            )
        )
    return customers


def seed_subscribers(
    db: Database,
    *,
    count: int,
    random_seed: int,
    progress: bool = True,
    clock: Clock | None = None,
    batch_size: int = _BATCH,
) -> SeedReport:
    """Insert ``count`` generated subscribers (and their customers); same seed, same rows.

    Timestamps are relative to ``clock``'s now (the system clock by default). A progress bar goes
    to stderr unless ``progress`` is False.
    """
    if count < 0:
        raise ValueError("count must be zero or more")
    now = (clock or SystemClock()).now()
    customers = bulk_customers()
    # A string seed keeps this stream apart from the demo set's random.Random(seed).
    drawer = SubscriberDrawer(random.Random(f"bulk:{random_seed}"), now, customers)
    insert = _insert_ignoring_duplicates(db.engine)
    started = time.perf_counter()
    before = _count(db.engine)
    with db.engine.begin() as conn:
        conn.execute(
            insert(CustomerRow.__table__),
            [
                {
                    "id": c.id,
                    "name": c.customer.name,
                    "template_name": c.template_name,
                    "untrusted_emails": c.customer.untrusted_emails,
                    "share_link": c.customer.share_link,
                }
                for c in customers
            ],
        )
    table = Base.metadata.tables[SubscriberRow.__tablename__]
    stmt = insert(table)
    bar = tqdm(
        total=count,
        desc="seeding subscribers",
        unit="rows",
        unit_scale=True,
        file=sys.stderr,
        disable=not progress,
    )
    # One transaction, so that no reader ever sees the table without its indexes.
    with bar, db.engine.begin() as conn:
        # Keeping seven B-trees sorted row by row is most of the cost; an empty table gets its
        # secondary indexes dropped and rebuilt once at the end (several times faster).
        rebuild = [ix for ix in table.indexes] if before == 0 else []
        for index in rebuild:
            index.drop(conn)
        # Likewise the SQLite text search: one bulk fill instead of a trigger per row.
        refill = bool(rebuild) and conn.dialect.name == "sqlite" and search.has_index(conn)
        if refill:
            search.drop_triggers(conn)
        with _big_cache(conn):
            for batch in _batches(drawer, count, batch_size):
                conn.execute(stmt, batch)
                bar.update(len(batch))
            for index in rebuild:
                index.create(conn)
            if refill:
                search.refill(conn)
                search.create_triggers(conn)
    _analyze(db.engine)
    inserted = _count(db.engine) - before
    return SeedReport(count, inserted, time.perf_counter() - started)


def _batches(drawer: SubscriberDrawer, count: int, size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, count, size):
        rows = []
        for index in range(start, min(start + size, count)):
            rows.append(drawer.row(index, drawer.status(), drawer.package(), email_tag=str(index)))
        yield rows


@contextmanager
def _big_cache(conn: sa.Connection) -> Iterator[None]:
    """On SQLite, a 64 MB page cache for this connection while seeding (default: 2 MB).

    Enough for the index builds to stay fast; 256 MB made seeding peak at over 500 MB RSS.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    old = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql("PRAGMA cache_size=-65536")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(old or -2000)}")


def _analyze(engine: sa.Engine) -> None:
    """Fresh planner statistics (and, on PostgreSQL, the visibility map) after a bulk load.

    Without statistics both databases pick poor plans for a list's capped count (a scan or a
    bitmap of every match instead of a short index range); without a vacuum PostgreSQL's
    index-only counts visit the table for every row. Autovacuum would get there, later.
    """
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE subscribers")


def _insert_ignoring_duplicates(engine: sa.Engine) -> Any:
    if engine.dialect.name == "postgresql":
        return lambda table: postgresql.insert(table).on_conflict_do_nothing()
    if engine.dialect.name == "sqlite":
        return lambda table: sqlite.insert(table).on_conflict_do_nothing()
    raise ValueError(f"seeding supports SQLite and PostgreSQL, not {engine.dialect.name}")


def _count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(SubscriberRow.__table__)) or 0


#: The commands a generated audit trail is made of, with the results they mostly end in.
_AUDITED = (
    ("status", "ok"),
    ("help", "ok"),
    ("retry", "ok"),
    ("service.retry", "ok"),
    ("error", "ok"),
    ("status", "not_found"),
    ("export", "ok"),
)


def seed_audit(
    db: Database,
    *,
    count: int,
    actors: tuple[str, ...],
    random_seed: int,
    days: int = 365,
    clock: Clock | None = None,
) -> int:
    """Insert ``count`` generated audit entries over the last ``days`` days (same seed, same
    rows), as a long-lived installation has them: ``actors`` take turns, each entry its own
    correlation id. How many were inserted.

    The benchmarks of a command's CPU run it over this: its chain reads the asker's recent
    entries (the rate limit) and an event's own (already handled), and a fresh database, with
    no history, hid that those reads grew with the table.
    """
    now = (clock or SystemClock()).now()
    drawer = random.Random(f"audit:{random_seed}")
    table = Base.metadata.tables[AuditEntryRow.__tablename__]
    span = days * 86_400
    with db.engine.begin() as conn:
        for start in range(0, count, _BATCH):
            rows = []
            for n in range(start, min(start + _BATCH, count)):
                action, result = _AUDITED[drawer.randrange(len(_AUDITED))]
                rows.append(
                    {
                        "at": now - timedelta(seconds=span * (count - n) / count),
                        "actor": actors[n % len(actors)],
                        "via": "card" if drawer.random() < 0.3 else "chat",
                        "space_id": f"space-{n % 40}",
                        "action": action,
                        "text": action,
                        "target": None,
                        "result": result,
                        "detail": None,
                        "correlation_id": f"{drawer.getrandbits(64):016x}",
                    }
                )
            conn.execute(table.insert(), rows)
    return count
