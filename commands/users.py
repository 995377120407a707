"""Acting on one subscriber, as Partner Hub does: retry, delete, change package, error text."""

from __future__ import annotations

from commands._args import EMAIL, PACKAGE, USER
from commands.confirming import request_confirmation
from commands.context import CommandContext
from commands.parsing import Args
from commands.registry import Role, card_action, command
from commands.replies import Reply
from commands.views import ActionResultView, ConfirmAction, ErrorTextView


@card_action("user.retry")
@command(
    "retry",
    aliases=("onboard",),
    args=(USER, EMAIL),
    role=Role.ADMIN,
    examples=("retry 420600278947@voip.acme-cz.example lucie.vesela@acme.example",),
)
def retry(ctx: CommandContext, args: Args) -> Reply:
    """Retry activation of a pending or failed user with a valid email (*Retry activation*)."""
    outcome = ctx.service.retry_activation(args.text("user"), args.text("email"), ctx.actor)
    return Reply(ActionResultView("retry", args.text("user"), outcome), ok=outcome.ok)


@card_action("user.delete")
@command(
    "delete",
    aliases=("remove",),
    args=(USER,),
    role=Role.ADMIN,
    examples=("delete petr.cerny@acme-cz.example",),
)
def delete(ctx: CommandContext, args: Args) -> Reply:
    """Delete a user so they can onboard again (*Delete user*); asks to confirm first."""
    sub = ctx.service.find_subscriber(args.text("user"))
    ctx.service.refuse_in_flight(sub)  # asked now, not only when the code is confirmed
    display = sub.email or sub.user_id
    return request_confirmation(ctx, ConfirmAction.DELETE, sub.id, display=display)


@card_action("user.package")
@command(
    "package",
    args=(USER, PACKAGE),
    role=Role.ADMIN,
    examples=("package petr.cerny@acme-cz.example premium",),
)
def package(ctx: CommandContext, args: Args) -> Reply:
    """Move a user to another package (*Change package type*)."""
    target = args.package().value
    outcome = ctx.service.change_package(args.text("user"), target, ctx.actor)
    return Reply(ActionResultView("package", args.text("user"), outcome), ok=outcome.ok)


@card_action("user.error")
@command(
    "error",
    aliases=("errortext", "copy"),
    args=(USER,),
    role=Role.SUPPORT,
    examples=("error 420600278947@voip.acme-cz.example",),
)
def error(ctx: CommandContext, args: Args) -> Reply:
    """A user's exact error text and codes, to paste into a ticket (*Copy error text*)."""
    return Reply(ErrorTextView(ctx.service.error_report(args.text("user"))))
