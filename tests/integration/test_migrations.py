"""The migrations produce exactly the models, on every backend."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage import db
from storage.models import Base
from storage.search import is_search_object
from storage.uow import Database


def _include(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    skipped = type_ == "table" and name in ("apscheduler_jobs", "alembic_version")
    return not (skipped or is_search_object(type_, name))


def _diff(database: Database) -> list[object]:
    with database.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": _include}
        )
        return list(compare_metadata(ctx, Base.metadata))


def test_migrations_match_models(database: Database) -> None:
    assert _diff(database) == []


def test_every_migration_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    # SQLite only: PostgreSQL's shared test database is migrated once per session.
    database = Database.from_url(f"sqlite:///{tmp_path / 'roundtrip.db'}")
    try:
        database.upgrade()
        command.downgrade(db.alembic_config(database.engine), "base")
        assert db.current_revision(database.engine) is None
        database.upgrade()
        assert _diff(database) == []
    finally:
        database.dispose()


def test_upgrade_is_idempotent_and_at_head(database: Database) -> None:
    database.upgrade()
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(db.alembic_config(database.engine)).get_current_head()
    assert db.current_revision(database.engine) == head


def test_every_model_table_exists(database: Database) -> None:
    import sqlalchemy as sa

    names = set(sa.inspect(database.engine).get_table_names())
    assert set(Base.metadata.tables) <= names
