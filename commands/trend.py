"""``trend [days] [customer C]``: counts per status group over the last days, with a chart."""

from __future__ import annotations

from commands.context import CommandContext
from commands.history_views import TrendView
from commands.parsing import Args
from commands.registry import ArgKind, ArgSpec, Role, command
from commands.replies import Reply, ReplyFile
from onboarding.chart import chart_png
from onboarding.errors import InvalidInput
from onboarding.trend import DEFAULT_DAYS, MAX_DAYS, build_trend

WORDS = ArgSpec("trend_words", ArgKind.TEXT, required=False, variadic=True)
_CUSTOMER_WORDS = frozenset({"customer", "zákazník", "zakaznik"})


def _parse(ctx: CommandContext, typed: str | None) -> tuple[int, str | None]:
    """``[days] [customer C]`` in any order."""
    words = (typed or "").split()
    days, customer = DEFAULT_DAYS, None
    while words:
        word = words.pop(0)
        if word.isdigit():
            days = int(word)
        elif word.lower() in _CUSTOMER_WORDS and words:
            customer = ctx.service.find_customer(words.pop(0)).id
        else:
            raise InvalidInput("trend.bad_words", words=word)
    if not 2 <= days <= MAX_DAYS:
        raise InvalidInput("trend.bad_days", n=days, most=MAX_DAYS)
    return days, customer


@command(
    "trend",
    aliases=("trends",),
    args=(WORDS,),
    role=Role.VIEWER,
    examples=("trend", "trend 30 customer acme-cz"),
)
def trend(ctx: CommandContext, args: Args) -> Reply:
    """Counts per status group over the last 14 (or N) days, as numbers and a chart."""
    days, customer = _parse(ctx, args.opt_text("trend_words"))
    found = build_trend(ctx.service, days=days, customer=customer)
    path = chart_png(found, ctx.files_dir, ctx.locale)
    return Reply(TrendView(found), file=ReplyFile(path, path.name, "image/png"))
