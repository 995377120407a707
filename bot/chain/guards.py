"""The first two links: drop the bot's own messages, and never repeat work already carried out.

Neither leaves an audit entry: the bot talking to itself is no request, and a redelivered event
whose provider action already ran was audited the first time.
"""

from __future__ import annotations

import logging

from bot.chain.turn import Next, Turn
from commands.replies import Reply
from commands.runner import Handled
from commands.views import Msg, NoticeView

log = logging.getLogger(__name__)

#: A reply that says nothing: no message is posted for it (a space already told "no").
SILENT = NoticeView(())
#: Doors whose requests come from Webex events, which may be delivered more than once.
EVENT_VIA = ("chat", "card")


def ignore_self(turn: Turn, next_: Next) -> Handled:
    """The bot's own messages get no answer (an answer would answer itself, forever)."""
    if turn.request.from_bot:
        turn.outcome = ("ignored", None)
        return Handled(Reply(SILENT, ok=True))
    return next_()


def already_handled(turn: Turn, next_: Next) -> Handled:
    """An event whose provider action already ran (a crash before its reply) is not run again.

    The service writes a ``service.<action>`` audit entry tagged with the event's correlation id
    right after each provider action; finding one means a previous attempt got that far.
    """
    request = turn.request
    if request.via not in EVENT_VIA or request.first_attempt:
        return next_()
    done = turn.uow.audit.service_actions(request.correlation_id)
    if not done:
        return next_()
    log.warning(
        "event already carried out %s before a restart; not repeating it",
        ", ".join(done),
        extra={"correlation_id": request.correlation_id},
    )
    turn.outcome = ("repeated", None)
    actions = ", ".join(a.removeprefix("service.") for a in done)
    return Handled(Reply(NoticeView((Msg("web.already_done", {"actions": actions}),))))
