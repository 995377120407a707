"""Shared parts of the access, roles, confirmation, audit and rate-limit tests (no tests here).

``access_bot(database, clock, tmp_path)`` builds the real bot (sandbox provider, demo data) with
one person per role; ``ask``/``click`` run the pipeline as they would; ``AuditWatch`` fails a test
if anything issues an UPDATE or DELETE on ``audit_entries``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import event

import commands  # registers every command family
import commands.audit  # noqa: F401  (registered here until commands/__init__.py imports it)
from bot.bootstrap import Bot, build_bot
from bot.cards import audit as audit_cards
from bot.cards import render_markdown
from bot.dispatch import Request, dispatch
from bot.settings import AccessSettings, SandboxSettings, Settings
from commands.audit import AuditView
from commands.registry import Role
from commands.replies import Reply
from i18n import entries
from i18n.catalog import access as access_catalog
from onboarding.clock import ManualClock
from storage.models import AuditEntryRow, SubscriberRow
from storage.uow import Database

ADMIN = "ada.admin@partner.example"
ADMIN2 = "adam.admin@partner.example"
SUPPORT = "sam.support@partner.example"
VIEWER = "vera.viewer@partner.example"
STRANGER = "mallory@elsewhere.example"
ORG = "org-partner"
SPACE = "space-ops"
BY_ROLE = {Role.ADMIN: ADMIN, Role.SUPPORT: SUPPORT, Role.VIEWER: VIEWER}

ACCESS = AccessSettings(
    admins=(ADMIN, ADMIN2),
    support=(SUPPORT,),
    viewers=("*@partner.example",),
    orgs=(ORG,),
)


# Importing commands.audit registers the command for the whole test session, so its messages must
# be in the catalog for the whole session too (help lists it), until commands/__init__.py and
# i18n/catalog/__init__.py register both; then this adds nothing.
for _key, _entry in access_catalog.MESSAGES.items():
    cast(dict[str, dict[str, str]], entries()).setdefault(_key, _entry)


def markdown_of(reply: Reply, locale: str = "en") -> str:
    """A reply's markdown (the audit view through its own renderer until it is registered)."""
    if isinstance(reply.view, AuditView):
        return audit_cards.markdown(reply.view, locale)
    return render_markdown(reply.view, locale)


def access_bot(
    database: Database,
    clock: ManualClock,
    tmp_path: Path,
    *,
    access: AccessSettings | None = ACCESS,
    **overrides: Any,
) -> Bot:
    """The real bot over ``database`` with the sandbox's demo data and ``access``."""
    values: dict[str, Any] = {
        "access": access,
        "files_dir": tmp_path / "files",
        "sandbox": SandboxSettings(step_seconds=3600),
        "commands_per_minute": 1000,
    }
    values.update(overrides)
    return build_bot(Settings(**values), db=database, clock=clock, migrate=False)


def ask(
    bot: Bot,
    text: str,
    *,
    who: str = ADMIN,
    space: str | None = SPACE,
    org: str | None = ORG,
    via: str = "chat",
    cid: str | None = None,
) -> Reply:
    """Type ``text`` to the bot as ``who``."""
    extra = {"correlation_id": cid} if cid else {}
    request = Request(person_email=who, text=text, via=via, space_id=space, org_id=org, **extra)
    return dispatch(bot, request).reply


def click(
    bot: Bot,
    action: str,
    inputs: dict[str, Any] | None = None,
    *,
    who: str = ADMIN,
    space: str | None = SPACE,
    org: str | None = ORG,
    cid: str | None = None,
) -> Reply:
    """Press a card button ``action`` with ``inputs`` as ``who``."""
    data = {"action": action, **(inputs or {})}
    extra = {"correlation_id": cid} if cid else {}
    request = Request(
        person_email=who,
        action=action,
        inputs=data,
        via="card",
        space_id=space,
        org_id=org,
        **extra,
    )
    return dispatch(bot, request).reply


def audit_rows(db: Database, *where: Any) -> list[AuditEntryRow]:
    """Audit entries, oldest first."""
    with db.uow() as uow:
        stmt = sa.select(AuditEntryRow).where(*where).order_by(AuditEntryRow.id)
        return list(uow.session.scalars(stmt))


def last_entry(db: Database) -> AuditEntryRow:
    """The newest pipeline entry (not a ``service.*`` one)."""
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
