"""``why <user>``: the error code, the template, the history and the Control Hub state at once,
ending with the one next action (see ``onboarding.diagnosis``)."""

from __future__ import annotations

from commands._args import USER
from commands.context import CommandContext
from commands.history_views import WhyView
from commands.parsing import Args
from commands.registry import Role, card_action, command
from commands.replies import Reply
from onboarding.diagnosis import Move, why

#: The card action that carries out each next move (None: there is nothing to press).
MOVE_ACTIONS: dict[Move, str] = {
    Move.RETRY_NOW: "user.retry",
    Move.RETRY_LATER: "user.retry",
    Move.RETRY_OTHER_EMAIL: "user.retry",
    Move.RELEASE_DOMAIN: "user.retry",
    Move.CHANGE_PACKAGE: "user.package",
    Move.CHECK_TEMPLATE: "template.check",
    Move.REMOVE_OTHER_MAPPING: "user.status",
    Move.DELETE_AND_REREGISTER: "user.delete",
    Move.RESEND_INVITATION: "user.resend",
    Move.UNKNOWN: "user.error",
}


@card_action("user.why")
@command(
    "why",
    aliases=("diagnose",),
    args=(USER,),
    role=Role.VIEWER,
    examples=("why 420600278947@voip.acme-cz.example", "why lukas.novak@acme-partners.example"),
)
def why_command(ctx: CommandContext, args: Args) -> Reply:
    """Why a user is stuck: error code, template, history and Control Hub state, and what next."""
    found = why(ctx.service, args.text("user"))
    action = MOVE_ACTIONS.get(found.move)
    actions = ctx.allowed_actions([action, "user.history"] if action else ["user.history"])
    sub, user = found.subscriber, found.org_user
    target = (sub.email or sub.user_id) if sub is not None else (user.email if user else None)
    return Reply(WhyView(found, ctx.clock.now(), actions), target=target)
