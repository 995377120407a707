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
from pathlib import Path
from typing import TYPE_CHECKING

from bot.watch_jobs import check_watches
from onboarding.history import prune

if TYPE_CHECKING:
    from bot.bootstrap import Bot
    from storage.uow import UnitOfWork

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
    """Delete the handled events and delivered replies older than ``engine.keep_days``, and the
    files those replies posted; how many rows went."""
    before = bot.clock.now() - timedelta(days=bot.settings.engine.keep_days)
    events, _ = _in_batches(bot, lambda uow: (uow.events.prune(before, limit=PRUNE_BATCH), []))
    replies, files = _in_batches(bot, lambda uow: uow.outbox.prune(before, limit=PRUNE_BATCH))
    removed = _remove_files(bot.files_dir, files)
    if events or replies:
        log.info(
            "engine: %d handled event(s), %d delivered repl(ies) and %d file(s) older than %d "
            "days pruned",
            events,
            replies,
            removed,
            bot.settings.engine.keep_days,
        )
    return events + replies


def _in_batches(
    bot: Bot, prune: Callable[[UnitOfWork], tuple[int, list[str]]]
) -> tuple[int, list[str]]:
    """Run ``prune`` (up to ``PRUNE_BATCH`` rows, and their files) one transaction at a time
    until a batch comes back short; the rows and the files in all."""
    count, files = 0, list[str]()
    while True:
        with bot.db.uow() as uow:
            gone, posted = prune(uow)
            uow.commit()
        count, files = count + gone, files + posted
        if gone < PRUNE_BATCH:
            return count, files


def _remove_files(folder: Path, paths: list[str]) -> int:
    """Delete those of ``paths`` that lie in ``folder`` (the bot's own files, never others)."""
    root = folder.resolve()
    removed = 0
    for name in paths:
        path = Path(name).resolve()
        if root in path.parents and path.is_file():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


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
