"""The subscriber text search index: substring search that does not read every row.

``status all novak`` matches the text anywhere in a subscriber's email, BroadWorks user ID, first
or last name. A ``LIKE '%novak%'`` cannot use a B-tree, so each database gets a trigram index
over one normalised text, ``lower(email \\n user_id \\n first_name \\n last_name)`` (the newline
never occurs in search text, so a match never spans two fields, as with one LIKE per field):

- SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34+), kept in step with
  ``subscribers`` by triggers and keyed by its rowid. A phrase query is a substring match of
  three characters or more.
- PostgreSQL: a GIN ``gin_trgm_ops`` index on that expression, when ``pg_trgm`` can be
  installed (it needs the right to ``CREATE EXTENSION``); without it the search still works,
  by scanning.

Shorter text has no trigram and falls back to the per-field LIKE. The migration (0004) and the
seeder use the functions here; the repository builds its queries from ``search_body``.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

log = logging.getLogger(__name__)

FTS_TABLE = "subscribers_search"
TRGM_INDEX = "ix_subscribers_search_trgm"
#: Tables FTS5 creates for FTS_TABLE; schema comparisons leave them alone.
SEARCH_TABLES = frozenset(
    {
        FTS_TABLE,
        *(f"{FTS_TABLE}_{part}" for part in ("data", "idx", "content", "docsize", "config")),
    }
)


def is_search_object(type_: str, name: str | None) -> bool:
    """True for the tables and index made here, which the models do not declare."""
    return (type_ == "table" and name in SEARCH_TABLES) or (type_ == "index" and name == TRGM_INDEX)


MIN_INDEXED = 3  # a trigram needs three characters

_FIELDS = ("email", "user_id", "first_name", "last_name")
_TRIGGERS = ("subscribers_search_ai", "subscribers_search_ad", "subscribers_search_au")


def body_sql(prefix: str = "") -> str:
    """The normalised search text of a subscriber row as SQL (``prefix`` like ``new.``)."""
    parts = [f"coalesce({prefix}{field}, '')" for field in _FIELDS]
    return "lower(" + " || char(10) || ".join(parts) + ")"


def pg_body_sql() -> str:
    parts = [f"coalesce({field}, '')" for field in _FIELDS]
    return "(lower(" + " || E'\\n' || ".join(parts) + "))"


def create(conn: sa.Connection) -> None:
    """Create the search index for ``conn``'s database and fill it from ``subscribers``."""
    if conn.dialect.name == "sqlite":
        _create_fts(conn)
    elif conn.dialect.name == "postgresql":
        _create_trgm(conn)


def drop(conn: sa.Connection) -> None:
    """Remove the search index (a migration's downgrade)."""
    if conn.dialect.name == "sqlite":
        for trigger in _TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {TRGM_INDEX}")


def _create_fts(conn: sa.Connection) -> None:
    conn.exec_driver_sql(f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(body, tokenize='trigram')")
    conn.exec_driver_sql(
        f"INSERT INTO {FTS_TABLE} (rowid, body) SELECT rowid, {body_sql()} FROM subscribers"
    )
    create_triggers(conn)


def create_triggers(conn: sa.Connection) -> None:
    """The SQLite triggers that keep the FTS table in step with ``subscribers``."""
    add = f"INSERT INTO {FTS_TABLE} (rowid, body) VALUES (new.rowid, {body_sql('new.')});"
    remove = f"DELETE FROM {FTS_TABLE} WHERE rowid = old.rowid;"
    fields = ", ".join(_FIELDS)
    conn.exec_driver_sql(
        f"CREATE TRIGGER {_TRIGGERS[0]} AFTER INSERT ON subscribers BEGIN {add} END"
    )
    conn.exec_driver_sql(
        f"CREATE TRIGGER {_TRIGGERS[1]} AFTER DELETE ON subscribers BEGIN {remove} END"
    )
    conn.exec_driver_sql(
        f"CREATE TRIGGER {_TRIGGERS[2]} AFTER UPDATE OF {fields} ON subscribers "
        f"BEGIN {remove} {add} END"
    )


def drop_triggers(conn: sa.Connection) -> None:
    """Drop the SQLite triggers (a bulk load refills the table in one statement instead)."""
    for trigger in _TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")


def refill(conn: sa.Connection) -> None:
    """Rebuild the SQLite FTS table's rows from ``subscribers`` in one statement."""
    conn.exec_driver_sql(f"DELETE FROM {FTS_TABLE}")
    conn.exec_driver_sql(
        f"INSERT INTO {FTS_TABLE} (rowid, body) SELECT rowid, {body_sql()} FROM subscribers"
    )


def _create_trgm(conn: sa.Connection) -> None:
    # A failed CREATE EXTENSION aborts the transaction: try it in a savepoint.
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as exc:
        log.warning("pg_trgm is not available (%s); text search will scan", exc.orig)
        return
    conn.exec_driver_sql(
        f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON subscribers "
        f"USING gin ({pg_body_sql()} gin_trgm_ops)"
    )


def has_index(conn: sa.Connection) -> bool:
    """True when ``conn``'s database has the trigram search index."""
    if conn.dialect.name == "sqlite":
        sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"
        return conn.execute(sa.text(sql), {"name": FTS_TABLE}).first() is not None
    if conn.dialect.name == "postgresql":
        sql = "SELECT 1 FROM pg_indexes WHERE indexname = :name"
        return conn.execute(sa.text(sql), {"name": TRGM_INDEX}).first() is not None
    return False


def fts_phrase(text: str) -> str:
    """``text`` as an FTS5 phrase: a literal substring (quotes doubled)."""
    return '"' + text.replace('"', '""') + '"'
