"""The one catch-all: whatever a later link raises becomes the apology with a log reference.

Domain errors never get here (the runner words them); this is for bugs and storage failures,
logged in full for operators, while the person gets a reference to quote and no stack trace.
"""

from __future__ import annotations

import logging
import uuid

from bot.acl import normalise
from bot.chain.turn import Next, Turn
from commands.replies import Reply
from commands.runner import Handled
from commands.views import ErrorKind, ErrorView, Msg

log = logging.getLogger(__name__)


def rescue(turn: Turn, next_: Next) -> Handled:
    """The rest of the chain, or the internal-error reply when it raises."""
    try:
        return next_()
    except Exception:
        turn.uow.rollback()  # nothing half-done is kept; the audit entry is written afresh
        ref = uuid.uuid4().hex[:12]
        request = turn.request
        log.exception(
            "request failed (ref %s, actor %s)",
            ref,
            normalise(request.person_email),
            extra={"correlation_id": request.correlation_id},
        )
        view = ErrorView(ErrorKind.INTERNAL, (Msg("error.internal", {"ref": ref}),), ref=ref)
        return turn.answered(Reply.error(view, request.action))
