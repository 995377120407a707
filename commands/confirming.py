"""Asking before anything that cannot be undone: store a confirmation, answer with its code.

The code is written in the request's unit of work and committed with its audit entry, so a
code is never issued without the entry that says who asked for it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from commands.context import CommandContext
from commands.replies import Reply
from commands.views import ConfirmAction, ConfirmView

KEEP_EXPIRED = timedelta(days=7)


def request_confirmation(
    ctx: CommandContext,
    action: ConfirmAction,
    target: str,
    *,
    display: str,
    params: dict[str, Any] | None = None,
    count: int = 1,
) -> Reply:
    """Store a confirmation for ``action`` on ``target`` and ask the person to confirm it."""
    now = ctx.clock.now()
    expires = now + ctx.confirmation_ttl
    repo = ctx.uow.confirmations
    # Housekeeping on the way: expired codes are kept a while, so that a late "confirm" is told
    # "expired" rather than "unknown", then dropped.
    repo.purge_expired(now - KEEP_EXPIRED)
    row = repo.create(
        person=ctx.actor.email,
        space_id=ctx.actor.space_id,
        action=action.value,
        target=target,
        params={"display": display, "count": count, **(params or {})},
        created_at=now,
        expires_at=expires,
    )
    # Not committed here: the dispatch chain commits the code with the request's audit entry.
    return Reply(ConfirmView(row.code, action, display, expires, count))
