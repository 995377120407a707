"""The access link: the person's role here, or a refusal (told once per space that is not allowed).

The role goes on the turn for the links after this one; commands then compare it with the one
they declare (the runner), the same dry run ``help`` uses.
"""

from __future__ import annotations

import hashlib
import logging

from bot.acl import SPACE_NOT_ALLOWED, UNKNOWN_PERSON, normalise
from bot.chain.guards import EVENT_VIA, SILENT
from bot.chain.turn import Next, Turn
from commands.replies import Reply
from commands.runner import Handled
from commands.views import ErrorKind, ErrorView, Msg

log = logging.getLogger(__name__)

_REFUSED_SPACE = "access.refused_space."


def access(turn: Turn, next_: Next) -> Handled:
    """Let the person on with their role, or answer with why not."""
    request = turn.request
    decision = turn.bot.access.decide(
        request.person_email,
        space_id=None if request.direct else request.space_id,
        org_id=request.org_id,
        require_org=request.via in EVENT_VIA,
    )
    if decision.allowed:
        turn.role = decision.role
        return next_()
    key = decision.refusal or UNKNOWN_PERSON
    log.warning(
        "refused %s (org %s) in %s: %s",
        normalise(request.person_email),
        request.org_id,
        request.space_id,
        key,
        extra={"correlation_id": request.correlation_id},
    )
    messages: tuple[Msg, ...] = (Msg(key),)
    if key == SPACE_NOT_ALLOWED and request.space_id is not None and request.via != "cli":
        if not first_refusal_in(turn, request.space_id):
            turn.result, turn.note = "refused", f"{key}, already told"
            return turn.answered(Reply(SILENT, ok=False, command=request.action))
        messages = (Msg(key), Msg("access.space_quiet"))
    view = ErrorView(ErrorKind.FORBIDDEN, messages)
    return turn.answered(Reply.error(view, request.action))


def first_refusal_in(turn: Turn, space_id: str) -> bool:
    """Remember, durably and once across processes, that ``space_id`` was told "not here"."""
    name = _REFUSED_SPACE + hashlib.sha256(space_id.encode()).hexdigest()[:64]
    first = turn.uow.sync_state.add_once(name, {"space_id": space_id}, now=turn.bot.clock.now())
    turn.uow.commit()
    return first
