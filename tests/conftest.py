"""Fixtures shared by every test: a clean environment, databases, a controllable clock."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from onboarding.clock import ManualClock
from storage.models import Base
from storage.uow import Database

pytest_plugins = ["tests.support.emulator", "tests.support.chat", "tests.support.http_chat"]

POSTGRES_URL = os.environ.get("ONBOARD_TEST_POSTGRES_URL")
_KEEP_ENV = {"ONBOARD_TEST_POSTGRES_URL", "ONBOARD_SPECS_DIR", "ONBOARD_REQUIRE_SPECS"}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's Webex tokens or bot configuration."""
    for name in list(os.environ):
        if name in _KEEP_ENV or name == "ONBOARD_REQUIRE_BROWSER":
            continue
        if name.startswith(("WEBEX_", "ONBOARD_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def clock() -> ManualClock:
    """A clock standing at a fixed winter morning."""
    return ManualClock(datetime(2026, 1, 15, 9, 0, tzinfo=UTC))


@contextmanager
def _database_of_its_own(server_url: str, prefix: str) -> Iterator[str]:
    """Create an empty database next to ``server_url``'s; its URL, and dropped afterwards."""
    admin_url = sa.make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    if not POSTGRES_URL:
        pytest.skip("ONBOARD_TEST_POSTGRES_URL is not set")
    with _database_of_its_own(_psycopg(POSTGRES_URL), "onboard_t") as url:
        yield url


@pytest.fixture
def fresh_postgres(postgres_server_url: str) -> Iterator[str]:
    """An empty PostgreSQL database of this test's own (not migrated), dropped afterwards."""
    with _database_of_its_own(postgres_server_url, "onboard_p") as url:
        yield url


def _psycopg(url: str) -> str:
    from storage.db import normalise_url

    return normalise_url(url)


@pytest.fixture(scope="session")
def _migrated_postgres(postgres_server_url: str) -> Iterator[Database]:
    database = Database.from_url(postgres_server_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file Alembic migrated once per run: each test gets a copy (~1 ms, not ~60)."""
    path = tmp_path_factory.mktemp("template") / "bot.db"
    database = Database.from_url(f"sqlite:///{path}")
    database.upgrade()
    database.dispose()  # closed: the file holds everything (no WAL left beside it)
    return path


def _copy_of(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Database:
    """A database of the test's own over a copy of the migrated ``template`` file."""
    path = tmp_path_factory.mktemp("db") / "bot.db"
    shutil.copyfile(template, path)
    return Database.from_url(f"sqlite:///{path}")


def _empty_all(database: Database) -> None:
    """Empty every table and restart every id sequence, as ``TRUNCATE ... RESTART IDENTITY``.

    DELETE in dependency order, not TRUNCATE: on a few small tables TRUNCATE costs ~0.5 s a test
    (it makes new files for every table), DELETE ~15 ms; the result is the same empty database.
    """
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with database.engine.begin() as conn:
        for table in tables:
            conn.execute(sa.text(f'DELETE FROM "{table}"'))
        sequences = conn.scalars(
            sa.text(
                "SELECT quote_ident(sequence_schema) || '.' || quote_ident(sequence_name)"
                " FROM information_schema.sequences"
            )
        )
        for sequence in list(sequences):
            conn.execute(sa.text("SELECT setval(:s, 1, false)"), {"s": sequence})


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """A migrated, empty database: SQLite always, PostgreSQL too when configured."""
    if request.param == "sqlite":
        database = _copy_of(request.getfixturevalue("_migrated_sqlite"), tmp_path_factory)
        yield database
        database.dispose()
    else:
        database = request.getfixturevalue("_migrated_postgres")
        _empty_all(database)
        yield database


@pytest.fixture
def sqlite_database(
    _migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """A migrated, empty SQLite database (for tests that are not about the backend)."""
    database = _copy_of(_migrated_sqlite, tmp_path_factory)
    yield database
    database.dispose()
