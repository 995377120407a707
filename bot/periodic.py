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
from datetime import timedelta
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


#: Rows deleted per transaction when the engine's tables are pruned: a first prune of a year
#: of rows must not hold SQLite's one write lock, which the workers' settles wait for, for long.
PRUNE_BATCH = 1000


def prune_engine(bot: Bot) -> int:
    """Delete the handled events and delivered replies older than ``engine.keep_days``."""
    before = bot.clock.now() - timedelta(days=bot.settings.engine.keep_days)
    gone = {"events": 0, "replies": 0}
    for name in gone:
        while True:
            with bot.db.uow() as uow:
                repository = uow.events if name == "events" else uow.outbox
                count = repository.prune(before, limit=PRUNE_BATCH)
                uow.commit()
            gone[name] += count
            if count < PRUNE_BATCH:
                break
    if any(gone.values()):
        log.info(
            "engine: %d handled event(s) and %d delivered repl(ies) older than %d days pruned",
            gone["events"],
            gone["replies"],
            bot.settings.engine.keep_days,
        )
    return sum(gone.values())


def default_chores(bot: Bot) -> list[Chore]:
    """The leader's periodic work for ``bot``: alerts once per sync interval, then pruning."""
    return [
        Chore("watch.alerts", float(bot.settings.sync.interval_seconds), check_watches),
        Chore("history.prune", PRUNE_SECONDS, prune_history),
        Chore("engine.prune", PRUNE_SECONDS, prune_engine),
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
