"""``confirm <code>`` and ``cancel <code>``: the second step of anything that cannot be undone.

A confirmation is single-use, expires (``CommandContext.confirmation_ttl``, 10 minutes by
default), and is bound to the person who asked, the action and its target. Someone else's code,
a used code or an expired code does nothing and says why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from commands import bulk
from commands.context import CommandContext
from commands.parsing import Args
from commands.registry import ArgKind, ArgSpec, card_action, command
from commands.replies import Reply
from commands.views import (
    ActionResultView,
    ConfirmAction,
    ErrorKind,
    ErrorView,
    Msg,
    NoticeView,
)
from storage.models import ConfirmationRow

CODE = ArgSpec("code", ArgKind.CODE)


@card_action("confirm")
@command("confirm", args=(CODE,), examples=("confirm K7P2QX",))
def confirm(ctx: CommandContext, args: Args) -> Reply:
    """Carry out the action a confirmation code stands for."""
    claimed = _claim(ctx, args.text("code"), check_role=True)
    if isinstance(claimed, Reply):
        return claimed
    action = ConfirmAction(claimed.action)
    return _PERFORM[action](ctx, claimed.target, dict(claimed.params or {}))


@card_action("cancel")
@command("cancel", args=(CODE,), examples=("cancel K7P2QX",))
def cancel(ctx: CommandContext, args: Args) -> Reply:
    """Drop a pending confirmation without doing anything."""
    code = args.text("code")
    claimed = _claim(ctx, code, check_role=False)
    if isinstance(claimed, Reply):
        return claimed
    if claimed.action == ConfirmAction.BULK_RETRY.value:
        bulk.cancelled(ctx, claimed.target)
    return Reply(NoticeView((Msg("confirm.cancelled", {"code": code}),)), target=_shown(claimed))


def _claim(ctx: CommandContext, code: str, *, check_role: bool) -> ConfirmationRow | Reply:
    """Use up ``code`` for the asker, or the refusal saying why it cannot be used."""
    uow = ctx.uow
    row = uow.confirmations.get(code)
    problem = _problem(ctx, row, code)
    if problem is not None:
        return problem
    assert row is not None
    spec = ctx.registry.find(row.action)
    # The role is checked again now: it may have been lowered since the code was issued.
    if check_role and spec is not None and ctx.role < spec.role:
        return _refuse("confirm.forbidden", row, code=code, command=row.action)
    if not uow.confirmations.use(code, ctx.clock.now()):  # one conditional UPDATE: one winner
        return _refuse("confirm.used", row, code=code)
    # Committed before the action runs: a concurrent confirm of the same code has lost by now,
    # and the provider call that follows never waits on this transaction.
    uow.commit()
    return row


def _problem(ctx: CommandContext, row: ConfirmationRow | None, code: str) -> Reply | None:
    if row is None:
        return _refuse("confirm.unknown", None, code=code)
    if row.person.lower() != ctx.actor.email.lower():
        return _refuse("confirm.not_yours", row, code=code)
    if row.used_at is not None:
        return _refuse("confirm.used", row, code=code)
    if ctx.clock.now() >= row.expires_at:
        again = _again(row)
        return _refuse("confirm.expired", row, code=code, again=again)
    return None


def _shown(row: ConfirmationRow) -> str:
    """The user a confirmation is about, as the person was shown it."""
    return str((row.params or {}).get("display") or row.target)


def _again(row: ConfirmationRow) -> str:
    if row.action == ConfirmAction.DELETE.value:
        return f"delete {row.target}"
    if row.action == ConfirmAction.BULK_RETRY.value:
        return "retry file"
    users = row.params.get("users") or []
    return "resend " + " ".join(users) if len(users) <= 3 else "resend"


def _refuse(key: str, row: ConfirmationRow | None, **params: object) -> Reply:
    target = _shown(row) if row is not None else None
    return Reply.error(ErrorView(ErrorKind.CONFIRMATION, (Msg(key, params),)), target=target)


def _delete(ctx: CommandContext, target: str, params: dict[str, Any]) -> Reply:
    outcome = ctx.service.delete_subscriber(target, ctx.actor)
    view = ActionResultView("delete", str(params.get("display", target)), outcome)
    return Reply(view, ok=outcome.ok)


def _resend(ctx: CommandContext, target: str, params: dict[str, Any]) -> Reply:
    users: Sequence[str] = [str(u) for u in params.get("users") or []]
    outcome = ctx.service.resend_invitations(users, ctx.actor)
    view = ActionResultView("resend", str(params.get("display", target)), outcome)
    return Reply(view, ok=outcome.ok)


_PERFORM: dict[ConfirmAction, Callable[[CommandContext, str, dict[str, Any]], Reply]] = {
    ConfirmAction.DELETE: _delete,
    ConfirmAction.RESEND: _resend,
    ConfirmAction.BULK_RETRY: bulk.start,
}
