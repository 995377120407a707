"""``watch``: alerts in this space when users newly enter error or cross the stuck lines.

``watch errors [customer C]``, ``watch stuck``, ``watch off``, and ``watch`` to list. The alerts
themselves are posted by the scheduler's leader (``bot/watch_jobs.py``), within one sync interval.
"""

from __future__ import annotations

from commands.context import CommandContext
from commands.history_views import WatchListView
from commands.parsing import Args
from commands.registry import ArgKind, ArgSpec, Role, command
from commands.replies import Reply
from onboarding.errors import InvalidInput
from onboarding.watch import Watch, WatchKind, add_watch, space_watches, stop_watches

WORDS = ArgSpec("watch_words", ArgKind.TEXT, required=False, variadic=True)
_CUSTOMER_WORDS = frozenset({"customer", "zákazník", "zakaznik"})


def _space(ctx: CommandContext) -> str:
    if not ctx.actor.space_id:
        raise InvalidInput("watch.no_space")
    return ctx.actor.space_id


def _customer(ctx: CommandContext, typed: str | None) -> str | None:
    words = (typed or "").split()
    if not words:
        return None
    if len(words) != 2 or words[0].lower() not in _CUSTOMER_WORDS:
        raise InvalidInput("watch.bad_words", words=" ".join(words))
    return ctx.service.find_customer(words[1]).id


def _listing(
    ctx: CommandContext, space: str, saved: Watch | None = None, stopped: int | None = None
) -> Reply:
    return Reply(WatchListView(tuple(space_watches(ctx.uow, space)), saved, stopped))


@command("watch", aliases=("watches",), role=Role.ADMIN, examples=("watch",))
def watch_list(ctx: CommandContext, args: Args) -> Reply:
    """The watches on in this space."""
    return _listing(ctx, _space(ctx))


@command(
    "watch errors",
    args=(WORDS,),
    role=Role.ADMIN,
    examples=("watch errors", "watch errors customer acme-cz"),
)
def watch_errors(ctx: CommandContext, args: Args) -> Reply:
    """Post here when users newly enter error (of one customer, or all), grouped."""
    space = _space(ctx)
    customer = _customer(ctx, args.opt_text("watch_words"))
    saved = add_watch(
        ctx.uow,
        space_id=space,
        kind=WatchKind.ERRORS,
        customer=customer,
        created_by=ctx.actor.email,
        now=ctx.clock.now(),
    )
    return _listing(ctx, space, saved=saved)


@command("watch stuck", role=Role.ADMIN, examples=("watch stuck",))
def watch_stuck(ctx: CommandContext, args: Args) -> Reply:
    """Post here when a Control Hub user crosses a stuck line (Not verified too long, claims)."""
    space = _space(ctx)
    # Who is over a line already is not news: only users who cross one from now on are posted.
    already = ctx.service.stuck_users(
        not_verified_days=ctx.not_verified_days, claim_days=ctx.claim_warning_days, refresh=False
    )
    saved = add_watch(
        ctx.uow,
        space_id=space,
        kind=WatchKind.STUCK,
        customer=None,
        created_by=ctx.actor.email,
        now=ctx.clock.now(),
        already_stuck=already,
    )
    return _listing(ctx, space, saved=saved)


@command("watch off", role=Role.ADMIN, examples=("watch off",))
def watch_off(ctx: CommandContext, args: Args) -> Reply:
    """Stop every watch of this space."""
    space = _space(ctx)
    stopped = stop_watches(ctx.uow, space)
    return _listing(ctx, space, stopped=stopped)
