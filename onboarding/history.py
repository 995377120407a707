"""A subscriber's status history: what moved them, when, and what people did in between.

Providers call ``note_change`` wherever they change a snapshot row's status, in the transaction
that changes it. What caused the change comes from the context: inside ``acting`` (the service
around a provider action) it is the person's command or card click, elsewhere the provider's own
move (``sync``: the sandbox's simulation, the Webex sync). The service links the changes an
action made to that action's audit entry once the entry is written (``cause_ref``).
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from onboarding.mapping import errors_from_json
from onboarding.model import ProvisioningStatus, Subscriber
from storage.models import AuditEntryRow, StatusTransitionRow, SubscriberRow
from storage.transitions import NewTransition
from storage.uow import Database, UnitOfWork

#: How long changes are kept unless configured otherwise.
DEFAULT_RETENTION_DAYS = 180


class Cause(StrEnum):
    """What moved a user."""

    SYNC = "sync"  # the provider moved them (sandbox simulation, Webex sync)
    COMMAND = "command"  # a typed command of the bot
    CARD = "card"  # a card button of the bot


class Acting:
    """A person's action a provider carries out: ``with acting(...)`` around the provider call."""

    def __init__(self, cause: Cause, actor: str) -> None:
        self.cause = cause
        self.actor = actor
        self.ref = uuid.uuid4().hex  # ties the changes to the audit entry written afterwards
        self._token: Token[Acting | None] | None = None

    def __enter__(self) -> Acting:
        self._token = _ACTING.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _ACTING.reset(self._token)
            self._token = None


_ACTING: ContextVar[Acting | None] = ContextVar("onboard_acting", default=None)


def acting(actor: str, via: str) -> Acting:
    """Status changes within ``with acting(...)`` are ``actor``'s doing (a command, a click)."""
    return Acting(Cause.CARD if via == "card" else Cause.COMMAND, actor)


def note_change(uow: UnitOfWork, row: SubscriberRow, before: str | None) -> bool:
    """Record ``row``'s move from ``before`` to its status now, in ``uow``'s transaction.

    Nothing is recorded when the status did not change. True when this call stored the change
    (False: unchanged, or already stored by another process or an earlier sync).
    """
    if before == row.status:
        return False
    errors = errors_from_json(row.errors) if row.status == ProvisioningStatus.ERROR else []
    now = _ACTING.get()
    return uow.history.record(
        NewTransition(
            user_id=row.user_id,
            subscriber_id=row.id,
            customer_id=row.customer_id,
            email=row.email,
            from_status=before,
            to_status=row.status,
            at=row.last_status_change,
            error_code=errors[0].code if errors else None,
            error_text=errors[0].description if errors else None,
            cause=(now.cause if now else Cause.SYNC).value,
            actor=now.actor if now else None,
            cause_ref=now.ref if now else None,
        )
    )


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """One status change of the timeline."""

    at: datetime
    before: ProvisioningStatus | None
    after: ProvisioningStatus
    cause: Cause
    actor: str | None = None
    error_code: int | None = None
    error_text: str | None = None
    audit_id: int | None = None


@dataclass(frozen=True, slots=True)
class Deed:
    """Something a person did to the user (an audit entry of a provider action)."""

    at: datetime
    actor: str
    action: str  # retry, delete, package
    result: str  # ok, refused, invalid, failed, error
    text: str | None = None  # the email or package given
    detail: str | None = None
    audit_id: int | None = None


Event = Change | Deed


@dataclass(frozen=True, slots=True)
class Timeline:
    """A user's history, newest first, with the counts ``why`` reasons with."""

    subscriber: Subscriber
    events: tuple[Event, ...]
    truncated: bool = False

    @property
    def changes(self) -> tuple[Change, ...]:
        """The status changes only."""
        return tuple(e for e in self.events if isinstance(e, Change))

    @property
    def deeds(self) -> tuple[Deed, ...]:
        """What people did only."""
        return tuple(e for e in self.events if isinstance(e, Deed))

    @property
    def failures(self) -> int:
        """How often the user entered ``error``."""
        return sum(1 for c in self.changes if c.after is ProvisioningStatus.ERROR)

    @property
    def retries(self) -> tuple[Deed, ...]:
        """Every retry people tried, newest first."""
        return tuple(d for d in self.deeds if d.action == "retry")


#: The audit actions that are deeds on a user, by the name the timeline gives them.
_DEEDS = {"service.retry": "retry", "service.delete": "delete", "service.package": "package"}


def _change(row: StatusTransitionRow) -> Change:
    return Change(
        at=row.at,
        before=None if row.from_status is None else ProvisioningStatus(row.from_status),
        after=ProvisioningStatus(row.to_status),
        cause=Cause(row.cause),
        actor=row.actor,
        error_code=row.error_code,
        error_text=row.error_text,
        audit_id=row.audit_id,
    )


def _deed(row: AuditEntryRow) -> Deed:
    return Deed(
        at=row.at,
        actor=row.actor,
        action=_DEEDS[row.action],
        result=row.result,
        text=row.text,
        detail=row.detail,
        audit_id=row.id,
    )


def timeline(uow: UnitOfWork, sub: Subscriber, *, limit: int = 50) -> Timeline:
    """The user's changes and the deeds on them, newest first (at most ``limit`` of each)."""
    rows = uow.history.for_user(sub.user_id, limit=limit + 1)
    changes = [_change(r) for r in rows]
    # Deeds name the user as people knew them then: by an email they had, or the user ID.
    targets = {sub.user_id, *(e for e in [sub.email, *(r.email for r in rows)] if e)}
    # ...and the deeds that moved the user are found by their entry, whatever the email was.
    linked = sorted({r.audit_id for r in rows if r.audit_id is not None})
    audits = uow.history.audit_for(
        sorted(targets), actions=sorted(_DEEDS), ids=linked, limit=limit + 1
    )
    deeds = [_deed(r) for r in audits]
    truncated = len(changes) > limit or len(deeds) > limit
    events: list[Event] = [*changes[:limit], *deeds[:limit]]
    # A deed and the change it caused share a moment: the deed comes first (it happened first).
    events.sort(key=lambda e: (e.at, 1 if isinstance(e, Change) else 0), reverse=True)
    return Timeline(sub, tuple(events), truncated)


def prune(db: Database, now: datetime, days: int = DEFAULT_RETENTION_DAYS) -> int:
    """Delete the changes older than ``days``; how many went."""
    with db.uow() as uow:
        gone = uow.history.prune(now - timedelta(days=days))
        uow.commit()
    return gone
