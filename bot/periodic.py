"""Work the scheduler's leader does on its heartbeat, each at its own pace.

Not APScheduler jobs: they need no stored trigger and no misfire handling, only "about every N
seconds, by whoever leads". Two leaders overlapping for a moment may both run one; each is safe
to run twice (pruning deletes what is old, alerts are unique rows in the outbox's transaction).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.watch_jobs import check_watches
from onboarding.history import prune

if TYPE_CHECKING:
    from bot.bootstrap import Bot

log = logging.getLogger(__name__)

#: How often the status history is pruned to its retention.
PRUNE_SECONDS = 3600.0


@dataclass
class Chore:
    """One piece of periodic work: ``run(bot)`` at most every ``every`` seconds."""

    name: str
    every: float
    run: Callable[[Bot], object]
    last: float | None = field(default=None)


def prune_history(bot: Bot) -> int:
    """Delete the status changes older than the configured retention."""
    gone = prune(bot.db, bot.clock.now(), bot.settings.history_days)
    if gone:
        log.info(
            "status history: %d change(s) older than %d days pruned",
            gone,
            bot.settings.history_days,
        )
    return gone


def default_chores(bot: Bot) -> list[Chore]:
    """The leader's periodic work for ``bot``: alerts once per sync interval, then pruning."""
    return [
        Chore("watch.alerts", float(bot.settings.sync.interval_seconds), check_watches),
        Chore("history.prune", PRUNE_SECONDS, prune_history),
    ]


def run_due(bot: Bot, chores: list[Chore], *, now: Callable[[], float] = time.monotonic) -> None:
    """Run every chore whose time has come; a failing chore is logged, the others still run."""
    for chore in chores:
        at = now()
        if chore.last is not None and at - chore.last < chore.every:
            continue
        chore.last = at
        try:
            chore.run(bot)
        except Exception:
            log.exception("periodic %s failed", chore.name)
