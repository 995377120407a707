"""The migrations produce exactly the models, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage import db
from storage.models import Base
from storage.uow import Database


def _include(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    return not (type_ == "table" and name in ("apscheduler_jobs", "alembic_version"))


def test_migrations_match_models(database: Database) -> None:
    with database.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": _include}
        )
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent_and_at_head(database: Database) -> None:
    database.upgrade()
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(db.alembic_config(database.engine)).get_current_head()
    assert db.current_revision(database.engine) == head


def test_every_model_table_exists(database: Database) -> None:
    import sqlalchemy as sa

    names = set(sa.inspect(database.engine).get_table_names())
    assert set(Base.metadata.tables) <= names
