"""Bulk seeding on both backends: counts, distributions, determinism, indexes intact."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from onboarding.demo_data import PACKAGE_COUNTS, STATUS_COUNTS
from onboarding.model import Package, ProvisioningStatus
from onboarding.seeding import bulk_customers, seed_subscribers
from storage.models import SubscriberRow
from storage.repositories import SubscriberFilter

COUNT = 5_000


@pytest.fixture
def seeded(database, clock):
    report = seed_subscribers(database, count=COUNT, random_seed=42, progress=False, clock=clock)
    assert (report.requested, report.inserted) == (COUNT, COUNT)
    return database


def column(db, name):
    with db.engine.connect() as conn:
        return [r[0] for r in conn.execute(sa.select(SubscriberRow.__table__.c[name]))]


def test_counts_and_distributions(seeded):
    with seeded.uow() as uow:
        assert uow.subscribers.count() == COUNT
        assert len(uow.customers.all()) == len(bulk_customers())
    statuses = Counter(column(seeded, "status"))
    packages = Counter(column(seeded, "package"))
    assert set(statuses) == {s.value for s in ProvisioningStatus}
    assert set(packages) == {p.value for p in Package}
    for weights, seen in ((STATUS_COUNTS, statuses), (PACKAGE_COUNTS, packages)):
        total = sum(weights.values())
        for value, weight in weights.items():
            assert seen[value.value] / COUNT == pytest.approx(weight / total, abs=0.02), value


def test_rows_are_consistent(seeded):
    with seeded.uow() as uow:
        rows = list(uow.session.scalars(sa.select(SubscriberRow)))
        for row in rows:
            assert bool(row.errors) == (row.status == "error"), row.id
            assert (row.email is None) == (row.status == "pending_email_input"), row.id
            assert row.created <= row.last_status_change
    assert len({r.id for r in rows}) == COUNT


def test_same_seed_same_rows_and_reseeding_is_a_no_op(seeded, clock):
    ids = sorted(column(seeded, "id"))
    again = seed_subscribers(seeded, count=COUNT, random_seed=42, progress=False, clock=clock)
    assert again.inserted == 0
    more = seed_subscribers(seeded, count=100, random_seed=43, progress=False, clock=clock)
    assert more.inserted == 100
    assert set(ids) < set(column(seeded, "id"))


def test_first_rows_do_not_depend_on_the_count(database, clock):
    seed_subscribers(database, count=300, random_seed=42, progress=False, clock=clock)
    small = set(column(database, "id"))
    report = seed_subscribers(database, count=600, random_seed=42, progress=False, clock=clock)
    assert report.inserted == 300
    assert small < set(column(database, "id"))


def _index_names(db) -> set[str]:
    # The catalogs themselves: SQLAlchemy does not reflect SQLite's expression indexes.
    sql = (
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'subscribers'"
        if db.is_sqlite
        else "SELECT indexname FROM pg_indexes WHERE tablename = 'subscribers'"
    )
    with db.engine.connect() as conn:
        return set(conn.exec_driver_sql(sql).scalars())


def test_indexes_survive_the_fast_path(seeded):
    assert {ix.name for ix in SubscriberRow.__table__.indexes} <= _index_names(seeded)


def test_text_search_finds_rows_of_the_fast_path_and_of_later_inserts(seeded, clock):
    # An empty table is seeded with the search index refilled in one statement; later rows
    # reach it through the triggers. Both must be found by a piece of their user ID.
    before = set(column(seeded, "id"))
    seed_subscribers(seeded, count=20, random_seed=7, progress=False, clock=clock)
    with seeded.uow() as uow:
        rows = uow.session.scalars(sa.select(SubscriberRow)).all()
        later = [r for r in rows if r.id not in before]
        assert len(later) == 20
        for row in [rows[0], rows[len(rows) // 2], *later[:5]]:
            piece = row.user_id[3:14].upper()
            found = uow.subscribers.search(SubscriberFilter(text=piece), offset=0, limit=100)
            assert row.id in {r.id for r in found.rows}, piece


def test_progress_bar_goes_to_stderr_only_when_asked(database, clock, capsys):
    seed_subscribers(database, count=10, random_seed=1, progress=False, clock=clock)
    assert capsys.readouterr() == ("", "")
    seed_subscribers(database, count=10, random_seed=2, progress=True, clock=clock)
    out, err = capsys.readouterr()
    assert out == "" and "seeding subscribers" in err
