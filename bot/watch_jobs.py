"""Posting the watches' alerts: what the scheduler's leader runs once per sync interval.

For each watch, in one transaction: find what is new (changes into error, users over a stuck
line), claim their alert keys (``WatchRepository.claim``), and queue one message with exactly
the claimed ones. A second process running the same check at the same moment claims nothing and
posts nothing, as with digests (``bot/jobs.py``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.cards import render_card, render_markdown
from commands.history_views import WatchAlertView
from commands.status import audience_may_read_error_text
from onboarding.errors import OnboardingError
from onboarding.service import StuckUser
from onboarding.watch import Watch, WatchKind, error_alert, error_key, new_errors, stuck_key
from storage.models import WatchRow
from storage.outbox import OutgoingMessage
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from bot.bootstrap import Bot

log = logging.getLogger(__name__)


def _stuck_now(bot: Bot) -> list[StuckUser]:
    settings = bot.settings
    try:
        bot.provider.refresh_org_users()
    except OnboardingError as exc:  # Control Hub failures are the Control Hub commands' to tell
        log.warning("watch stuck: Control Hub not refreshed (%s); using the last snapshot", exc)
    return bot.service.stuck_users(
        not_verified_days=settings.not_verified_days,
        claim_days=settings.claim_warning_days,
        refresh=False,
    )


def _post(uow: UnitOfWork, bot: Bot, view: WatchAlertView, key: str) -> None:
    locale = bot.settings.locale
    message = OutgoingMessage(
        room_id=view.watch.space_id,
        markdown=render_markdown(view, locale),
        card=render_card(view, locale),
    )
    uow.outbox.enqueue(message, dedupe_key=f"watch:{view.watch.id}:{key}", now=bot.clock.now())


def _check(uow: UnitOfWork, bot: Bot, row: WatchRow, stuck: list[StuckUser] | None) -> bool:
    now = bot.clock.now()
    watch = Watch.of(row)
    if watch.kind is WatchKind.ERRORS:
        changes = new_errors(uow, row, now)
        won = set(uow.watches.claim(row.id, [error_key(c) for c in changes], now))
        mine = [c for c in changes if error_key(c) in won]
        if not mine:
            return False
        # Posted into a space: its readers decide, as for a digest (AccessPolicy.space_role).
        readers = bot.access.space_role(row.space_id)
        errors = tuple(error_alert(c) for c in mine)
        error_text = audience_may_read_error_text(readers)
        view = WatchAlertView(watch, errors=errors, now=now, error_text=error_text)
        _post(uow, bot, view, error_key(mine[0]))
        return True
    users = stuck or []
    won = set(uow.watches.claim(row.id, [stuck_key(s) for s in users], now))
    newly = [s for s in users if stuck_key(s) in won]
    if not newly:
        return False
    _post(uow, bot, WatchAlertView(watch, stuck=tuple(newly), now=now), stuck_key(newly[0]))
    return True


def check_watches(bot: Bot) -> int:
    """Post every watch's new alerts (one message per watch at most); how many were queued."""
    with bot.db.uow() as uow:
        rows = uow.watches.enabled()
    if not rows:
        return 0
    bot.service.refresh()  # the sync: what changed since the last check comes in now
    stuck = _stuck_now(bot) if any(r.kind == WatchKind.STUCK for r in rows) else None
    posted = 0
    for row in rows:
        with bot.db.uow() as uow:
            fresh = uow.session.get(WatchRow, row.id)
            if fresh is None or not fresh.enabled:
                continue  # turned off since the list was read
            if _check(uow, bot, fresh, stuck):
                posted += 1
            uow.commit()
    return posted
