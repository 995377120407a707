"""Watches: a space asks to be told when users newly enter ``error`` or cross the stuck lines.

Each alert is keyed (``error:<transition id>``, ``stuck:<user>:<reason>:<since>``) and claimed
under a unique (watch, key) row in the transaction that queues the message, so however many
processes check, each user's alert is posted once. A new ``watch stuck`` claims the users already
stuck without posting: it alerts when someone *crosses* a line, not about who was over it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from onboarding.errors import Refused
from onboarding.service import StuckUser
from storage.models import StatusTransitionRow, WatchRow
from storage.uow import UnitOfWork

#: How far back a check looks for changes into error (a sync that was down catches up within it).
LOOKBACK = timedelta(days=7)


class WatchKind(StrEnum):
    """What a watch alerts about."""

    ERRORS = "errors"
    STUCK = "stuck"


@dataclass(frozen=True, slots=True)
class Watch:
    """A watch as people see it."""

    id: int
    space_id: str
    kind: WatchKind
    customer: str | None
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, row: WatchRow) -> Watch:
        """The watch of a stored row."""
        return cls(
            row.id,
            row.space_id,
            WatchKind(row.kind),
            row.customer_id,
            row.created_by,
            row.created_at,
        )


@dataclass(frozen=True, slots=True)
class ErrorAlert:
    """A user who newly entered ``error``, with the error as Webex gave it."""

    user_id: str
    email: str | None
    customer: str
    at: datetime
    code: int | None
    text: str | None


def error_key(row: StatusTransitionRow) -> str:
    """The alert key of a change into error."""
    return f"error:{row.id}"


def stuck_key(stuck: StuckUser) -> str:
    """The alert key of a user over a stuck line (once per reason and stay in the state)."""
    user = stuck.user
    return f"stuck:{user.id}:{stuck.reason.value}:{user.state_since.isoformat()}"


def error_alert(row: StatusTransitionRow) -> ErrorAlert:
    """The alert of a change into error."""
    return ErrorAlert(
        row.user_id, row.email, row.customer_id, row.at, row.error_code, row.error_text
    )


def add_watch(
    uow: UnitOfWork,
    *,
    space_id: str,
    kind: WatchKind,
    customer: str | None,
    created_by: str,
    now: datetime,
    already_stuck: Sequence[StuckUser] = (),
) -> Watch:
    """Start a watch in a space (refused when the same one is on already)."""
    for row in uow.watches.for_space(space_id):
        if row.kind == kind.value and row.customer_id == customer:
            raise Refused("watch.exists", id=row.id)
    row = uow.watches.add(
        WatchRow(
            space_id=space_id,
            kind=kind.value,
            customer_id=customer,
            created_by=created_by,
            created_at=now,
            enabled=True,
        )
    )
    uow.watches.claim(row.id, [stuck_key(s) for s in already_stuck], now)
    return Watch.of(row)


def space_watches(uow: UnitOfWork, space_id: str) -> list[Watch]:
    """The watches on in a space."""
    return [Watch.of(r) for r in uow.watches.for_space(space_id)]


def stop_watches(uow: UnitOfWork, space_id: str) -> int:
    """Turn off every watch of a space; how many were on."""
    rows = uow.watches.for_space(space_id)
    for row in rows:
        row.enabled = False
    return len(rows)


def new_errors(uow: UnitOfWork, watch: WatchRow, now: datetime) -> list[StatusTransitionRow]:
    """The changes into error the watch has not alerted about yet."""
    return uow.watches.new_errors(watch, max(watch.created_at, now - LOOKBACK))
