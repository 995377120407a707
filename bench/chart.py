"""PNG charts of the engine figures: one grouped bar chart per figure (matplotlib, Agg).

Each chart has the API latencies along the x axis and one bar per server; a missing figure
(the bare endpoint sends no replies) is left out rather than drawn as zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on CI or a server

import matplotlib.pyplot as plt  # after the backend is chosen


def _label(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def bar_chart(
    path: Path,
    *,
    title: str,
    unit: str,
    latencies: Sequence[float],
    series: Mapping[str, Sequence[float | None]],
    colors: Mapping[str, str] | None = None,
) -> Path:
    """Draw ``series`` (label -> one value per latency) as grouped bars into ``path``.

    ``colors`` (label -> colour) keeps a server the same colour in every chart.
    """
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    width = 0.8 / max(len(series), 1)
    for n, (label, values) in enumerate(series.items()):
        xs, ys = [], []
        for i, value in enumerate(values):
            if value is not None and not math.isnan(value):
                xs.append(i + (n - (len(series) - 1) / 2) * width)
                ys.append(value)
        bars = ax.bar(xs, ys, width, label=label, color=(colors or {}).get(label))
        ax.bar_label(bars, fmt=_label, fontsize=7)
    ax.set_xticks(range(len(latencies)), [f"{ms:g} ms" for ms in latencies])
    ax.set_xlabel("injected Webex API latency")
    ax.set_ylabel(unit)
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
