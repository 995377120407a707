"""Control Hub user states: counts, one user's state, who is stuck, what a state means, re-send."""

from __future__ import annotations

from commands._args import USER
from commands.confirming import request_confirmation
from commands.context import CommandContext
from commands.parsing import Args
from commands.registry import ArgKind, ArgSpec, Role, card_action, command
from commands.replies import Reply
from commands.views import (
    ActionResultView,
    ConfirmAction,
    ExplainView,
    StateCertainty,
    StatesView,
    StuckView,
    UserStateView,
)
from onboarding.errors import Refused
from onboarding.model import ControlHubState, OrgUser


@command("states", examples=("states",))
def states(ctx: CommandContext, args: Args) -> Reply:
    """How many users are in each Control Hub state, and what each state means."""
    counts = ctx.service.state_counts()
    known = [c for u in ctx.service.org_users(refresh=False) if (c := StateCertainty.of(u))]
    if not known:
        return Reply(StatesView(counts))
    return Reply(
        StatesView(
            counts,
            uncertain=sum(1 for c in known if c.candidates),
            delayed_claim_hidden=any(c.delayed_claim_hidden for c in known),
            confidence="api" if all(c.confidence == "api" for c in known) else "inferred",
        )
    )


@card_action("user.state")
@command("state", args=(USER,), examples=("state lukas.novak@acme-partners.example",))
def state(ctx: CommandContext, args: Args) -> Reply:
    """A Control Hub user's state: what it means, how they got there, what moves them on."""
    user = ctx.service.find_org_user(args.text("user"))
    return Reply(
        UserStateView(
            user, ctx.clock.now(), StateCertainty.of(user), actions=state_actions(ctx, user)
        )
    )


def state_actions(ctx: CommandContext, user: OrgUser) -> tuple[str, ...]:
    """The card actions that make sense for ``user`` and that the asker's role allows."""
    names = ["user.resend"] if user.state is ControlHubState.NOT_VERIFIED else []
    return ctx.allowed_actions(names)


@command(
    "stuck",
    args=(ArgSpec("days", ArgKind.NUMBER, required=False),),
    examples=("stuck", "stuck 3"),
)
def stuck(ctx: CommandContext, args: Args) -> Reply:
    """Users who need an admin: Not verified for more than N days, claims running out."""
    days = args.opt_int("days")
    days = ctx.not_verified_days if days is None else days
    users = ctx.service.stuck_users(not_verified_days=days, claim_days=ctx.claim_warning_days)
    return Reply(StuckView(tuple(users), days, ctx.clock.now()))


@card_action("state.explain")
@command(
    "explain",
    args=(ArgSpec("state", ArgKind.STATE, variadic=True),),
    examples=("explain not verified", "explain neověřeno", "explain delayed claim"),
)
def explain(ctx: CommandContext, args: Args) -> Reply:
    """What a Control Hub state means and what moves a user on (English or Czech names)."""
    return Reply(ExplainView(args.state()))


@card_action("user.resend")
@command(
    "resend",
    args=(ArgSpec("users", ArgKind.USER_REF, required=False, variadic=True),),
    role=Role.ADMIN,
    examples=("resend lukas.novak@acme-partners.example", "resend"),
)
def resend(ctx: CommandContext, args: Args) -> Reply:
    """Re-send the invitation to Not verified users (all of them if none named)."""
    refs = args.texts("users")
    if refs:
        users = [ctx.service.find_org_user(r) for r in dict.fromkeys(refs)]
    else:
        users = ctx.service.org_users([ControlHubState.NOT_VERIFIED])
    wrong = [u.email for u in users if u.state is not ControlHubState.NOT_VERIFIED]
    if wrong:
        raise Refused("resend.not_unverified", users=", ".join(wrong))
    if not users:
        raise Refused("resend.nobody")
    emails = [u.email for u in users]
    if len(emails) == 1:
        outcome = ctx.service.resend_invitations(emails, ctx.actor)
        return Reply(ActionResultView("resend", emails[0], outcome), ok=outcome.ok)
    display = ", ".join(emails[:3]) + (f" (+{len(emails) - 3})" if len(emails) > 3 else "")
    return request_confirmation(
        ctx,
        ConfirmAction.RESEND,
        emails[0],
        display=display,
        params={"users": emails},
        count=len(emails),
    )
