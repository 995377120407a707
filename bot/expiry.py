"""Warn before the OAuth refresh token runs out: in the log, in doctor, in the admins' space.

Webex says how long a refresh token lives (``refresh_token_expires_in``, 90 days) when the bot
trades it for an access token; ``OAuthTokenSource`` keeps that date. When it is 14 days away,
and again at 3, the admins are told once: the message goes through the outbox under a key made of
the expiry date and the threshold, so neither a restart nor a second process repeats it, and a
new grant (a new date) is warned about afresh.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.background_loop import Periodic
from bot.bootstrap import Bot
from bot.metrics import Metrics
from i18n import t
from storage.outbox import OutgoingMessage

log = logging.getLogger(__name__)

WARN_DAYS = (14, 3)
CHECK_SECONDS = 3600.0


class _ExpiringGrant(Protocol):
    def refresh_token_expires_at(self) -> datetime | None:
        """When the refresh token runs out (None: not known)."""
        ...


@dataclass(frozen=True, slots=True)
class Expiry:
    """What is known of the refresh token's end."""

    expires_at: datetime
    left: timedelta
    threshold: int | None  # the tightest warning threshold reached, in days (None: none yet)

    @property
    def days_left(self) -> int:
        """Whole days left (0 on the last day, negative once expired)."""
        return self.left.days


def grant_of(bot: Bot) -> _ExpiringGrant | None:
    """The OAuth token source of the Webex provider (None with a static token or the sandbox)."""
    tokens = getattr(getattr(bot.provider, "http", None), "tokens", None)
    return tokens if callable(getattr(tokens, "refresh_token_expires_at", None)) else None


def expiry_of(grant: _ExpiringGrant, now: datetime) -> Expiry | None:
    """The refresh token's expiry and which warning applies now."""
    expires = grant.refresh_token_expires_at()
    if expires is None:
        return None
    left = expires - now
    reached = [days for days in WARN_DAYS if left <= timedelta(days=days)]
    return Expiry(expires, left, min(reached) if reached else None)


@dataclass(frozen=True, slots=True)
class Address:
    """Where a warning goes: a space, or one person directly."""

    room_id: str | None = None
    email: str | None = None


def admin_recipients(bot: Bot) -> list[Address]:
    """The admins' spaces (``access.spaces`` with role admin), else each admin named by email."""
    access = bot.settings.access
    if access is None:
        return []
    rooms = [room for room, role in access.spaces.items() if role == "admin"]
    if rooms:
        return [Address(room_id=room) for room in rooms]
    return [Address(email=a) for a in access.admins if not a.startswith("*@")]


def warn_admins(bot: Bot, expiry: Expiry) -> int:
    """Put the warning for ``expiry.threshold`` in the outbox once per address; how many new."""
    if expiry.threshold is None:
        return 0
    date = expiry.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    markdown = t(
        "ops.refresh_token_expiring",
        bot.settings.locale,
        n=max(0, expiry.days_left),
        date=date,
    )
    stamp = expiry.expires_at.strftime("%Y%m%dT%H%M")
    added = 0
    now = bot.clock.now()
    with bot.db.uow() as uow:
        for address in admin_recipients(bot):
            target = address.room_id or address.email
            message = OutgoingMessage(
                room_id=address.room_id, to_person_email=address.email, markdown=markdown
            )
            key = f"oauth-refresh-expiry:{stamp}:{expiry.threshold}d:{target}"
            added += int(uow.outbox.enqueue(message, dedupe_key=key, now=now))
        uow.commit()
    return added


class RefreshTokenWatch:
    """A service of ``serve``: checks the expiry hourly, sets the gauge, warns when it is time."""

    def __init__(self, bot: Bot, metrics: Metrics, *, interval: float = CHECK_SECONDS) -> None:
        self.bot = bot
        self.metrics = metrics
        self.interval = interval
        self._logged: set[tuple[datetime, int]] = set()
        self._every = Periodic(
            "refresh-expiry", self.check, "could not check the OAuth refresh token's expiry"
        )

    def start(self) -> None:
        """Check now, then every ``interval`` seconds."""
        if grant_of(self.bot) is None:
            return  # a static token or the sandbox: nothing expires on a schedule we know
        self._every.start(self.interval)

    def stop(self) -> None:
        """Stop checking."""
        self._every.stop()

    def check(self) -> Expiry | None:
        """One check: the gauge, a log warning once per threshold, the admins told once."""
        grant = grant_of(self.bot)
        expiry = None if grant is None else expiry_of(grant, self.bot.clock.now())
        if expiry is None:
            return None
        self.metrics.refresh_token_remaining.set(max(0.0, expiry.left.total_seconds()))
        if expiry.threshold is None:
            return expiry
        if (expiry.expires_at, expiry.threshold) not in self._logged:
            self._logged.add((expiry.expires_at, expiry.threshold))
            log.warning(
                "the OAuth refresh token expires in %d days (%s): authorize the integration "
                "again and set the new refresh token",
                max(0, expiry.days_left),
                expiry.expires_at.isoformat(),
            )
            if not admin_recipients(self.bot):
                log.warning("no admins' space or admin email in access: warned in the log only")
        warn_admins(self.bot, expiry)
        return expiry
