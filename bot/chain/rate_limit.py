"""The rate-limit link: at most ``commands_per_minute`` commands per person from Webex.

The count itself is ``bot.ratelimit.RateLimiter`` (a sliding window over the audit trail); this
link decides what the person hears: "slow down" once per window, then nothing.
"""

from __future__ import annotations

import logging

from bot.acl import normalise
from bot.chain.guards import SILENT
from bot.chain.turn import Next, Turn
from bot.ratelimit import LIMITED_VIA, THROTTLED, RateLimiter
from commands.replies import Reply
from commands.runner import Handled
from commands.views import ErrorKind, ErrorView, Msg

log = logging.getLogger(__name__)


def rate_limit(turn: Turn, next_: Next) -> Handled:
    """Run the command unless the person is over the limit."""
    request = turn.request
    if request.via not in LIMITED_VIA:
        return next_()
    per_minute = turn.bot.settings.commands_per_minute
    actor = normalise(request.person_email)
    limit = RateLimiter(per_minute).check(turn.uow, actor, turn.bot.clock.now())
    if limit.allowed:
        return next_()
    log.warning(
        "%s is over %d commands a minute; not running the command",
        actor,
        per_minute,
        extra={"correlation_id": request.correlation_id},
    )
    turn.result = THROTTLED
    if limit.already_told:
        turn.note = "already told"
        return turn.answered(Reply(SILENT, ok=False, command=request.action))
    seconds = max(int(limit.retry_after.total_seconds() + 0.999), 1)
    slow_down = Msg("ratelimit.slow_down", {"n": per_minute, "seconds": seconds})
    view = ErrorView(ErrorKind.UNAVAILABLE, (slow_down,))
    return turn.answered(Reply.error(view, request.action))
