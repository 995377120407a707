"""One pipeline for every way a person reaches the bot: typed text, a card button, `ask`.

request -> access decision -> command (or card action) -> reply -> audit entry. The Webex worker
and the CLI both call ``handle``; nothing here knows about HTTP or Webex.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.bootstrap import Bot
from commands.context import CommandContext
from commands.replies import Reply
from commands.runner import run_action, run_text
from commands.views import ErrorKind, ErrorView, Msg
from onboarding.service import Actor
from storage.models import AuditEntryRow

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Request:
    """A person asking something: typed ``text``, or a card ``action`` with its ``inputs``."""

    person_email: str
    text: str | None = None
    action: str | None = None
    inputs: Mapping[str, Any] = field(default_factory=dict)
    via: str = "chat"  # chat, card, cli
    space_id: str | None = None
    org_id: str | None = None
    bot_names: tuple[str, ...] = ()
    correlation_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])


def context_for(bot: Bot, request: Request, role: Any) -> CommandContext:
    """The command context of ``request`` for a person holding ``role``."""
    return CommandContext(
        service=bot.service,
        actor=Actor(
            email=request.person_email,
            via=request.via,
            space_id=request.space_id,
            correlation_id=request.correlation_id,
        ),
        role=role,
        clock=bot.clock,
        db=bot.db,
        files_dir=bot.files_dir,
        locale=bot.settings.locale,
        confirmation_ttl=bot.confirmation_ttl,
        bot_names=request.bot_names,
    )


def handle(bot: Bot, request: Request) -> Reply:
    """Run ``request`` through access, the command, and the audit trail; never raises."""
    decision = bot.access.decide(
        request.person_email, space_id=request.space_id, org_id=request.org_id
    )
    if decision.role is None:
        refusal = Msg(decision.refusal or "access.unknown_person")
        reply = Reply.error(ErrorView(kind=ErrorKind.FORBIDDEN, messages=(refusal,)))
        log.info(
            "refused %s in %s: %s",
            request.person_email,
            request.space_id,
            decision.refusal,
            extra={"correlation_id": request.correlation_id},
        )
    else:
        ctx = context_for(bot, request, decision.role)
        if request.action is not None:
            reply = run_action(request.action, dict(request.inputs), ctx)
        else:
            reply = run_text(request.text or "", ctx)
    _audit(bot, request, reply)
    return reply


def _audit(bot: Bot, request: Request, reply: Reply) -> None:
    view = reply.view
    if reply.ok:
        result, detail = "ok", None
    elif isinstance(view, ErrorView):
        result = "refused" if view.kind is ErrorKind.FORBIDDEN else view.kind.value
        detail = ", ".join(m.key for m in view.messages) or None
    else:
        result, detail = "error", None
    try:
        with bot.db.uow() as uow:
            uow.audit.record(
                AuditEntryRow(
                    at=bot.clock.now(),
                    actor=request.person_email,
                    via=request.via,
                    space_id=request.space_id,
                    action=reply.command or request.action or "unknown",
                    text=request.text if request.action is None else str(dict(request.inputs)),
                    target=getattr(view, "target", None),
                    result=result,
                    detail=detail,
                    correlation_id=request.correlation_id,
                )
            )
            uow.commit()
    except Exception:
        # The reply matters more than its audit line; the failure is logged for operators.
        log.exception("could not record the audit entry", extra={"cid": request.correlation_id})
