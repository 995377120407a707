"""Alembic environment: runs on the engine (or connection) handed over by storage.db."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from storage.models import Base
from storage.search import is_search_object

config = context.config
target_metadata = Base.metadata


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Leave APScheduler's own job table to APScheduler, and the text search's to storage.search."""
    return not ((type_ == "table" and name == "apscheduler_jobs") or is_search_object(type_, name))


def run_migrations_online() -> None:
    """Run the migrations on the given connection, or on a new one from the given engine."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = config.attributes["engine"]
    with engine.begin() as conn:
        _run(conn)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite can only ALTER by copying the table
        include_object=include_object,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
