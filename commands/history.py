"""``history <user>``: every status change of a user and what people did in between."""

from __future__ import annotations

from commands._args import USER
from commands.context import CommandContext
from commands.history_views import HistoryView
from commands.parsing import Args
from commands.registry import Role, card_action, command
from commands.replies import Reply
from onboarding.history import Timeline


@card_action("user.history")
@command(
    "history",
    aliases=("timeline",),
    args=(USER,),
    role=Role.VIEWER,
    examples=("history 420600278947@voip.acme-cz.example",),
)
def history(ctx: CommandContext, args: Args) -> Reply:
    """A user's status changes, newest first, with who did what in between."""
    timeline = ctx.service.history(args.text("user"))
    return Reply(HistoryView(timeline, ctx.clock.now()), target=_known_as(timeline))


def _known_as(timeline: Timeline) -> str:
    sub = timeline.subscriber
    return sub.email or sub.user_id
