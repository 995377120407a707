"""Shared parts of the access, roles, confirmation, audit and rate-limit tests (no tests here).

People and the bot come from ``tests.support.chat`` (the ``chat`` fixture talks to it); this
module adds what those tests look at afterwards: audit rows, demo subscribers, and
``AuditWatch``, which fails a test if anything issues an UPDATE or DELETE on ``audit_entries``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

import commands  # noqa: F401  (registers every command family)
from bot.cards import render_markdown
from commands.registry import Role
from commands.replies import Reply
from storage.models import AuditEntryRow, SubscriberRow
from storage.uow import Database
from tests.support.chat import (
    ACCESS,
    ADMIN,
    ADMIN2,
    ORG,
    SPACE,
    STRANGER,
    SUPPORT,
    VIEWER,
    Said,
)
from tests.support.chat import chat_bot as access_bot

__all__ = [
    "ACCESS",
    "ADMIN",
    "ADMIN2",
    "BY_ROLE",
    "ORG",
    "SPACE",
    "STRANGER",
    "SUPPORT",
    "VIEWER",
    "access_bot",
    "audit_rows",
    "deletable",
    "exists",
    "last_entry",
    "markdown_of",
    "subscriber",
    "watching_audit",
]

BY_ROLE = {Role.ADMIN: ADMIN, Role.SUPPORT: SUPPORT, Role.VIEWER: VIEWER}


def markdown_of(reply: Reply | Said, locale: str = "en") -> str:
    """A reply's markdown."""
    return render_markdown(reply.view, locale)


def audit_rows(db: Database, *where: Any) -> list[AuditEntryRow]:
    """Audit entries, oldest first."""
    with db.uow() as uow:
        stmt = sa.select(AuditEntryRow).where(*where).order_by(AuditEntryRow.id)
        return list(uow.session.scalars(stmt))


def last_entry(db: Database) -> AuditEntryRow:
    """The newest dispatch entry (not a ``service.*`` one)."""
    rows = audit_rows(db, AuditEntryRow.action.not_like("service.%"))
    assert rows, "no audit entry was written"
    return rows[-1]


def subscriber(db: Database, *where: Any) -> SubscriberRow:
    """The first demo subscriber matching ``where`` (by id, so tests are repeatable)."""
    with db.uow() as uow:
        stmt = sa.select(SubscriberRow).where(*where).order_by(SubscriberRow.id).limit(1)
        row = uow.session.scalars(stmt).first()
    assert row is not None, "the demo data has no such subscriber"
    return row


def deletable(db: Database) -> SubscriberRow:
    """A subscriber that may be deleted (not being provisioned), with an email."""
    return subscriber(
        db,
        SubscriberRow.status.in_(("provisioned", "error")),
        SubscriberRow.email.is_not(None),
    )


def exists(db: Database, subscriber_id: str) -> bool:
    """Whether the subscriber is still in the snapshot."""
    with db.uow() as uow:
        return uow.subscribers.get(subscriber_id) is not None


_WRITE = re.compile(r"^\s*(UPDATE|DELETE\s+FROM|TRUNCATE)\b[^;]*?\baudit_entries\b", re.I | re.S)


@dataclass
class AuditWatch:
    """Every statement that would change or remove an audit entry, caught at the engine."""

    statements: list[str] = field(default_factory=list)
    orm: list[str] = field(default_factory=list)


@contextmanager
def watching_audit(db: Database) -> Iterator[AuditWatch]:
    """Record any UPDATE/DELETE of ``audit_entries`` (SQL or ORM) while the block runs."""
    watch = AuditWatch()

    def on_sql(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if _WRITE.search(statement):
            watch.statements.append(statement)

    def on_update(mapper: Any, connection: Any, target: AuditEntryRow) -> None:
        watch.orm.append(f"update of audit entry {target.id}")

    def on_delete(mapper: Any, connection: Any, target: AuditEntryRow) -> None:
        watch.orm.append(f"delete of audit entry {target.id}")

    event.listen(db.engine, "before_cursor_execute", on_sql)
    event.listen(AuditEntryRow, "before_update", on_update)
    event.listen(AuditEntryRow, "before_delete", on_delete)
    try:
        yield watch
    finally:
        event.remove(db.engine, "before_cursor_execute", on_sql)
        event.remove(AuditEntryRow, "before_update", on_update)
        event.remove(AuditEntryRow, "before_delete", on_delete)
