"""Lists that stay fast at a big partner's size: capped counts said as "N+", and a text search
through the trigram index that finds exactly what a LIKE on each field finds."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

import storage.repositories
from onboarding.queries import Page
from onboarding.seeding import seed_subscribers
from storage.models import SubscriberRow
from storage.repositories import SubscriberFilter
from tests.support.cli import cli_in


@pytest.fixture
def ask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    cli = cli_in(tmp_path, monkeypatch)

    def invoke(text: str) -> str:
        code, output = cli("ask", text)
        assert code == 0, output
        return output

    return invoke


def test_a_list_longer_than_the_count_cap_says_so(ask, monkeypatch) -> None:
    exact = ask("status all")
    assert "80 found, page 1/8" in exact
    monkeypatch.setattr(storage.repositories, "COUNT_CAP", 20)
    capped = ask("status all")
    assert "20+ found, page 1/2+" in capped
    assert "Next page: `status all page 2`" in capped
    # Past the counted pages the list goes on while there are rows, and offers the next page.
    third = ask("status all page 3")
    assert "page 3/2+" in third and "Next page: `status all page 4`" in third
    assert "is empty" in ask("status all page 9")
    # A short list is counted exactly, as before.
    assert "+ found" not in ask("status errors customer globex-uk")


def test_page_labels_and_next_page_when_capped() -> None:
    full = Page(items=list(range(10)), total=10_000, page=1000, page_size=10, capped=True)
    assert (full.total_label, full.pages_label, full.has_next) == ("10000+", "1000+", True)
    short = Page(items=list(range(4)), total=10_000, page=1001, page_size=10, capped=True)
    assert not short.has_next and short.has_previous
    exact = Page(items=list(range(10)), total=30, page=2, page_size=10)
    assert (exact.total_label, exact.pages_label, exact.has_next) == ("30", "3", True)


def _like_each_field(rows: list[SubscriberRow], text: str) -> set[str]:
    needle = text.lower()
    fields = ("email", "user_id", "first_name", "last_name")
    return {r.id for r in rows if any(needle in (getattr(r, f) or "").lower() for f in fields)}


@pytest.mark.parametrize(
    "text", ["novák", "NOVAK", "jan.", "@voip", "42077", "ová", "x", "ja", "%", "_", 'a"b']
)
def test_text_search_finds_what_a_like_on_each_field_finds(database, clock, text) -> None:
    seed_subscribers(database, count=1500, random_seed=3, progress=False, clock=clock)
    with database.uow() as uow:
        rows = list(uow.session.scalars(sa.select(SubscriberRow)))
        expected = _like_each_field(rows, text)
        found = uow.subscribers.search(SubscriberFilter(text=text), offset=0, limit=2000)
        assert {r.id for r in found.rows} == expected
        cap = storage.repositories.TEXT_COUNT_CAP
        assert (found.total, found.capped) == (min(len(expected), cap), len(expected) > cap)
        errors = SubscriberFilter(text=text, statuses={"error"})
        narrowed = uow.subscribers.search(errors, offset=0, limit=2000)
        assert {r.id for r in narrowed.rows} == {
            r.id for r in rows if r.id in expected and r.status == "error"
        }


def test_a_common_text_over_the_cap_pages_in_list_order(database, clock, monkeypatch) -> None:
    seed_subscribers(database, count=1500, random_seed=3, progress=False, clock=clock)
    monkeypatch.setattr(storage.repositories, "TEXT_COUNT_CAP", 50)
    with database.uow() as uow:
        rows = list(uow.session.scalars(sa.select(SubscriberRow)))
        expected = sorted(
            (r for r in rows if r.id in _like_each_field(rows, "voip")),
            key=lambda r: (r.last_status_change, r.id),
            reverse=True,
        )
        page = uow.subscribers.search(SubscriberFilter(text="voip"), offset=10, limit=10)
        assert (page.total, page.capped) == (50, True)
        assert [r.id for r in page.rows] == [r.id for r in expected[10:20]]


def test_the_streamed_export_writes_what_the_row_by_row_export_wrote(database, clock) -> None:
    import io

    from onboarding import csv_dialect
    from onboarding.export import COLUMNS, csv_rows
    from onboarding.providers.sandbox import SandboxProvider
    from onboarding.queries import SubscriberQuery
    from onboarding.service import OnboardingService

    seed_subscribers(database, count=800, random_seed=5, progress=False, clock=clock)
    with database.uow() as uow:  # one subscriber with two errors and a formula-like name
        row = uow.session.scalars(sa.select(SubscriberRow).limit(1)).one()
        row.errors = [{"code": 1, "description": "=one"}, {"code": 2, "description": "two"}]
        row.first_name = "@evil"
        uow.commit()
    service = OnboardingService(database, SandboxProvider(database, clock), clock)
    out = io.StringIO()
    assert service.export_csv(SubscriberQuery(include_provisioned=True), out) == 800
    expected = io.StringIO()
    writer = csv_dialect.writer(expected)  # the one dialect: RFC 4180 line ends
    writer.writerow(COLUMNS)
    with database.uow() as uow:
        rows = uow.session.scalars(
            sa.select(SubscriberRow).order_by(
                SubscriberRow.last_status_change.desc(), SubscriberRow.id.desc()
            )
        )
        writer.writerows(csv_rows(rows))
    assert out.getvalue() == expected.getvalue()
    assert "'@evil" in out.getvalue() and "1 | 2,'=one | two," in out.getvalue()


def test_streamed_batches_hold_every_row_once_in_list_order(database, clock) -> None:
    """The plain-tuple path reads the first row through the result and the rest off the cursor
    (read one batch ahead on PostgreSQL): across batch boundaries no row is lost or repeated."""
    seed_subscribers(database, count=23, random_seed=3, progress=False, clock=clock)
    with database.uow() as uow:
        expected = [
            r.id
            for r in uow.session.scalars(
                sa.select(SubscriberRow).order_by(
                    SubscriberRow.last_status_change.desc(), SubscriberRow.id.desc()
                )
            )
        ]
        batches = list(uow.subscribers.stream_columns(SubscriberFilter(), ["id"], batch=5))
    assert [len(b) for b in batches] == [5, 5, 5, 5, 3]
    assert [row[0] for batch in batches for row in batch] == expected
    assert all(type(row) is tuple for batch in batches for row in batch)


def test_a_stream_left_early_closes_its_cursor(database, clock) -> None:
    seed_subscribers(database, count=30, random_seed=4, progress=False, clock=clock)
    with database.uow() as uow:
        stream = uow.subscribers.stream_columns(SubscriberFilter(), ["id", "email"], batch=4)
        assert len(next(stream)) == 4
        stream.close()  # waits for the batch read ahead, then closes the result
        # The session's connection is free for the next statement.
        assert uow.subscribers.count() == 30
