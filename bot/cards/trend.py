"""``trend``: the counts per status group per day as text (the chart goes as the reply's file)."""

from __future__ import annotations

from typing import Any

from bot.cards import _ac as ac
from bot.cards._md import msg
from bot.cards._render import card_renderer, markdown_renderer
from commands.history_views import TrendView
from i18n import t
from onboarding.model import StatusGroup
from onboarding.trend import Trend

_ICON = {StatusGroup.PROVISIONED: "✅", StatusGroup.PENDING: "⏳", StatusGroup.ERROR: "❌"}
_ORDER = (StatusGroup.ERROR, StatusGroup.PENDING, StatusGroup.PROVISIONED)


def _day_numbers(trend: Trend, i: int, locale: str) -> str:
    return " · ".join(
        f"{_ICON[g]} {t(f'group.{g.value}', locale)} {trend.on(g)[i]}" for g in _ORDER
    )


def _change(trend: Trend, group: StatusGroup) -> int:
    series = trend.on(group)
    return series[-1] - series[0]


def _title(trend: Trend, locale: str) -> str:
    if trend.customer:
        return t("trend.title_of", locale, n=len(trend.days), customer=trend.customer)
    return t("trend.title", locale, n=len(trend.days))


@markdown_renderer
def markdown(view: TrendView, locale: str) -> str:
    """A line per day, newest first, and the change over the period."""
    tr = view.trend
    lines = [f"**{msg('trend.md.title', locale, title=_title(tr, locale))}**"]
    changes = " · ".join(f"{t(f'group.{g.value}', locale)} {_change(tr, g):+d}" for g in _ORDER)
    lines.append(msg("trend.change", locale, changes=changes))
    for i in reversed(range(len(tr.days))):
        day = tr.days[i]
        lines.append(
            f"- {t('chart.day', locale, d=day.day, m=day.month)}: {_day_numbers(tr, i, locale)}"
        )
    lines.append("_" + t("trend.chart_follows", locale) + "_")
    return "\n".join(lines)


@card_renderer
def card(view: TrendView, locale: str) -> dict[str, Any] | None:
    """The same numbers, a row a day (read out by screen readers; the chart follows).

    The day in a TextRun, never markdown: a Czech date ("15. 1.") at the start of a markdown
    text block is an ordered list to the official renderer, indented past the card's edge
    (tests/e2e/test_card_render.py).
    """
    tr = view.trend
    facts = [
        (t("chart.day", locale, d=d.day, m=d.month), _day_numbers(tr, i, locale))
        for i, d in reversed(list(enumerate(tr.days)))
    ]
    body = [
        ac.rich(ac.run(_title(tr, locale), weight="bolder", size="medium")),
        *(
            ac.columns(
                ac.column([ac.literal(day)], 2), ac.column([ac.literal(numbers)], 3), spacing="None"
            )
            for day, numbers in facts
        ),
        ac.text(t("trend.chart_follows", locale), isSubtle=True),
    ]
    return ac.card(body)
