"""``status [filters]`` and ``status <user>``: Partner Hub's *User Status* view in chat.

A single word after ``status`` is a user when it contains ``@`` (then it must match) or when it
is exactly a subscriber id, BroadWorks user ID or email of one subscriber; otherwise it is search
text. ``search <text>`` always searches.
"""

from __future__ import annotations

from commands._args import FILTERS, USER
from commands.context import CommandContext
from commands.parsing import Args
from commands.registry import Role, card_action, command
from commands.replies import Reply
from commands.views import StatusListView, UserDetailView
from onboarding.errors import InvalidInput, NotFound
from onboarding.model import ProvisioningStatus, StatusGroup, Subscriber
from onboarding.service import ErrorReport


@card_action("status.list")
@command(
    "status",
    aliases=("list", "ls"),
    args=(FILTERS,),
    examples=(
        "status",
        "status errors",
        "status all customer acme",
        "status pending package basic page 2",
        "status jana@example.com",
    ),
)
def status(ctx: CommandContext, args: Args) -> Reply:
    """List subscribers by status (provisioned ones only with ``all``), or show one user."""
    filters = args.filters()
    ref = filters.single_ref
    if ref is not None:
        sub = _maybe_user(ctx, ref)
        if sub is not None:
            return Reply(_detail(ctx, ctx.service.error_report(sub.id)))
    result = ctx.service.list_subscribers(filters.query, page=filters.page, page_size=ctx.page_size)
    view = StatusListView(
        result.page, result.query, filters.words, result.fresh_as_of, ctx.clock.now()
    )
    return Reply(view)


@card_action("user.status", role=Role.VIEWER, args=(USER,))
def user_status(ctx: CommandContext, args: Args) -> Reply:
    """One subscriber in detail (a card's *details* button)."""
    return Reply(_detail(ctx, ctx.service.error_report(args.text("user"))))


def _maybe_user(ctx: CommandContext, ref: str) -> Subscriber | None:
    if "@" in ref:
        return ctx.service.find_subscriber(ref)
    try:
        return ctx.service.find_subscriber(ref)
    except NotFound:
        return None
    except InvalidInput as exc:
        if exc.key == "user.ambiguous":
            return None  # the list shows every match
        raise


def _detail(ctx: CommandContext, report: ErrorReport) -> UserDetailView:
    sub = report.subscriber
    return UserDetailView(
        sub,
        report.advice,
        ctx.service.provider.freshness(),
        ctx.clock.now(),
        actions=user_actions(ctx, sub),
    )


def user_actions(ctx: CommandContext, sub: Subscriber) -> tuple[str, ...]:
    """The card actions that make sense for ``sub`` and that the asker's role allows."""
    names: list[str] = []
    if not sub.status.in_flight:
        if sub.status is not ProvisioningStatus.PROVISIONED:
            names.append("user.retry")
        names += ["user.delete", "user.package"]
    if sub.status.group is StatusGroup.ERROR or sub.errors:
        names.append("user.error")
    out = []
    for name in names:
        action = ctx.registry.action(name)
        if action is not None and ctx.role >= action.role:
            out.append(name)
    return tuple(out)
