"""The audit link: every request that reaches it leaves exactly one entry, allowed or not.

It wraps the links after it, so it sees what they answered: the command and its target come
from the runner's ``Handled`` (never from parsing the text again). A provider action also leaves
the service's own ``service.<action>`` entry; both carry the request's correlation id, which
links them (and the log lines of webhook, worker and delivery).
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

from bot.acl import normalise
from bot.chain.turn import Next, Request, Turn
from commands.replies import Reply
from commands.runner import Handled
from commands.views import ActionResultView, ConfirmView, ErrorKind, ErrorView, Msg, NoticeView
from storage.models import AuditEntryRow
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

#: Audit columns are bounded; hostile input must not make the insert fail on PostgreSQL.
_LIMITS = {
    "actor": 320,
    "via": 20,
    "space_id": 200,
    "action": 80,
    "target": 320,
    "result": 20,
    "correlation_id": 64,
}
MAX_TEXT = 2000


def audit(turn: Turn, next_: Next) -> Handled:
    """Record what the rest of the chain did; a failure to record is logged, never raised."""
    handled = next_()
    result, detail = outcome_of(handled.reply)
    result = turn.result or result
    if turn.note:
        detail = f"{detail} ({turn.note})" if detail else turn.note
    turn.outcome = (result, detail)
    request = turn.request
    uow = turn.uow
    try:
        uow.audit.record(_entry(turn, uow, handled, result, detail))
        uow.commit()  # with what the command wrote in this unit of work (a confirmation)
    except Exception:
        uow.rollback()
        # The reply matters more than its audit line; the failure is logged for operators.
        log.exception(
            "could not record the audit entry", extra={"correlation_id": request.correlation_id}
        )
        if isinstance(handled.reply.view, ConfirmView):
            # Its code went with the rolled-back unit of work: offering it would be a lie.
            view = ErrorView(ErrorKind.UNAVAILABLE, (Msg("audit.not_recorded"),))
            handled = replace(handled, reply=Reply.error(view, handled.reply.command))
            turn.outcome = ("unavailable", "audit.not_recorded")
    log.info(
        "%s %s by %s via %s: %s",
        "action" if request.action is not None else "command",
        cut(handled.name, 80),
        normalise(request.person_email),
        request.via,
        result,
        extra={"correlation_id": request.correlation_id, "command": handled.name},
    )
    return handled


def outcome_of(reply: Reply) -> tuple[str, str | None]:
    """The audit ``result`` and ``detail`` of a reply.

    Results: ``ok``; ``pending`` (waits for a confirmation; the detail names its code);
    ``failed`` (the provider did not do it); ``refused`` (no access, role too low, a confirmation
    that is not valid, or a domain rule); ``throttled``; ``invalid``; ``not_found``;
    ``unavailable``; ``error`` (the detail is the log reference).
    """
    view = reply.view
    if isinstance(view, ConfirmView):
        return "pending", f"confirmation {view.code}"
    if isinstance(view, ActionResultView) and not view.outcome.ok:
        failed = [s.key for s in view.outcome.steps if not s.ok]
        return "failed", ", ".join(failed) or None
    if reply.ok:
        return "ok", None
    if isinstance(view, ErrorView):
        keys = ", ".join(m.key for m in view.messages) or None
        if view.kind is ErrorKind.FORBIDDEN:
            needs = f" (needs {view.needed_role.name.lower()})" if view.needed_role else ""
            return "refused", f"{keys}{needs}"
        if view.kind in (ErrorKind.CONFIRMATION, ErrorKind.REFUSED):
            return "refused", keys
        if view.kind in (ErrorKind.BAD_INPUT, ErrorKind.UNKNOWN_COMMAND):
            return "invalid", keys
        if view.kind is ErrorKind.NOT_FOUND:
            return "not_found", keys
        if view.kind is ErrorKind.UNAVAILABLE:
            return "unavailable", keys
        return "error", f"ref {view.ref}" if view.ref else keys
    if isinstance(view, NoticeView) and not view.messages:
        return "refused", None
    return "error", None


def cut(value: str | None, limit: int) -> str | None:
    """``value`` within ``limit`` characters, NUL-free (PostgreSQL text cannot hold NUL)."""
    if value is None:
        return None
    value = value.replace("\x00", "\ufffd")
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _text_of(request: Request) -> str | None:
    """What was sent, in machine form: the typed text, or the card's data as JSON."""
    if request.action is None:
        return cut(request.text, MAX_TEXT)
    data = {"action": request.action, **{str(k): v for k, v in request.inputs.items()}}
    return cut(json.dumps(data, ensure_ascii=False, default=str), MAX_TEXT)


def _shown_target(uow: UnitOfWork, target: str | None) -> str | None:
    """A subscriber id (a card's data) as people know the user: email, else BroadWorks ID."""
    if not target or len(target) > 200 or not target.isascii() or not target.isprintable():
        return target
    if " " in target or "@" in target:
        return target
    row = uow.subscribers.get(target)
    if row is None:
        return target
    return row.email or row.user_id


def _entry(
    turn: Turn, uow: UnitOfWork, handled: Handled, result: str, detail: str | None
) -> AuditEntryRow:
    request = turn.request
    values: dict[str, Any] = {
        "actor": normalise(request.person_email) or "(nobody)",
        "via": request.via,
        "space_id": request.space_id,
        "action": handled.name,
        "target": _shown_target(uow, handled.target),
        "result": result,
        "correlation_id": request.correlation_id,
    }
    values = {k: cut(v, _LIMITS[k]) for k, v in values.items()}
    return AuditEntryRow(
        at=turn.bot.clock.now(), text=_text_of(request), detail=cut(detail, MAX_TEXT), **values
    )
