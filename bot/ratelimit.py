"""How many commands a person may send: a sliding window over the audit trail.

The window is counted from the ``audit_entries`` table rather than kept in memory, because every
request already leaves an entry there: the count is shared by every ``serve`` process on one
database, survives restarts, and needs no table of its own. A request costs one indexed query
(``actor``, newest first, one row: the N-th newest). Two requests racing in two processes may
both see N-1 and both run; the limit is a brake on floods, not an exact quota, so that is
acceptable.

Throttled requests are not counted, so someone who keeps typing is let in again a minute after
their N-th command rather than never; refused requests are, since they cost a database write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.uow import UnitOfWork

WINDOW = timedelta(minutes=1)
THROTTLED = "throttled"
#: Doors the limit applies to: people in Webex. The CLI's operator has the database in hand.
LIMITED_VIA = ("chat", "card")


@dataclass(frozen=True, slots=True)
class RateDecision:
    """Whether a request may run, and if not, how long until it may."""

    allowed: bool
    retry_after: timedelta = timedelta(0)
    already_told: bool = False  # a "slow down" was already sent in this window


class RateLimiter:
    """At most ``per_minute`` commands per person in any sliding minute."""

    def __init__(self, per_minute: int, *, window: timedelta = WINDOW) -> None:
        self.per_minute = per_minute
        self.window = window

    def check(self, uow: UnitOfWork, actor: str, now: datetime) -> RateDecision:
        """May ``actor`` (a normalised email) run one more command at ``now``?"""
        since = now - self.window
        oldest = uow.audit.nth_request_at(
            actor, self.per_minute, since=since, vias=LIMITED_VIA, skip=THROTTLED
        )
        if oldest is None:
            return RateDecision(True)
        told = uow.audit.has_result(actor, since=since, vias=LIMITED_VIA, result=THROTTLED)
        # The oldest of the last N leaves the window first; then one more command fits.
        wait = max(oldest + self.window - now, timedelta(seconds=1))
        return RateDecision(False, retry_after=wait, already_told=told)
