"""The trend chart: counts per status group per day as a PNG file, for a message of its own.

A file format of the data, like the CSV export (``onboarding/export.py``): the commands and the
digest jobs both attach it, so it lives below them.

matplotlib's object API on the Agg canvas: no pyplot, no global backend, no display, safe in a
server thread. Readable in Webex's dark and light themes alike:
a transparent background, text and grid in a mid grey that holds on both, and line colours of
middle lightness (green, amber, red as Partner Hub's statuses) with markers and a legend, so the
groups do not depend on colour alone. The numbers are also in the card, for screen readers.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from i18n import t
from onboarding.model import StatusGroup
from onboarding.trend import Trend

WIDTH_PX, HEIGHT_PX, DPI = 960, 480, 96
_INK = "#8a8f98"  # mid grey: legible on white and on Webex's near-black
_COLOURS = {
    StatusGroup.PROVISIONED: "#2f9e44",
    StatusGroup.PENDING: "#e8a100",
    StatusGroup.ERROR: "#e03131",
}
_MARKERS = {StatusGroup.PROVISIONED: "o", StatusGroup.PENDING: "s", StatusGroup.ERROR: "^"}


def chart_png(trend: Trend, directory: Path, locale: str) -> Path:
    """Draw ``trend`` into a new PNG file in ``directory``; its path."""
    # matplotlib is imported here, not at the top: it is a second of CPU that `serve` would pay
    # at every start (a restart after kill -9 must answer within 10 s) for a rarely used command.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"trend-{trend.now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}.png"
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    labels = [t("chart.day", locale, d=d.day, m=d.month) for d in trend.days]
    x = list(range(len(labels)))
    for group in (StatusGroup.ERROR, StatusGroup.PENDING, StatusGroup.PROVISIONED):
        ax.plot(
            x,
            trend.on(group),
            label=t(f"group.{group.value}", locale),
            color=_COLOURS[group],
            marker=_MARKERS[group],
            linewidth=2.2,
            markersize=5,
        )
    step = max(1, len(labels) // 10)
    ax.set_xticks(x[::step], labels[::step])
    title = t("trend.title", locale, n=len(labels))
    if trend.customer:
        title = f"{title} · {trend.customer}"
    ax.set_title(title, color=_INK)
    highest = max((max(trend.on(g), default=0) for g in StatusGroup), default=0)
    ax.set_ylim(bottom=0, top=max(highest * 1.12, 1))
    ax.grid(True, color=_INK, alpha=0.3)
    ax.tick_params(colors=_INK)
    for spine in ax.spines.values():
        spine.set_color(_INK)
    # Below the plot, never over a line.
    legend = ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, frameon=False)
    for text in legend.get_texts():
        text.set_color(_INK)
    fig.tight_layout()
    fig.savefig(path, format="png", transparent=True)
    return path
