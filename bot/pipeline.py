"""One pipeline for every way a person reaches the bot: typed text, a card button, `ask`.

request -> access decision -> rate limit -> command (or card action) -> reply -> audit entry.
The Webex worker and the CLI both call ``handle``; nothing here knows about HTTP or Webex.

Every request leaves exactly one audit entry here (``via`` chat, card or cli), allowed or not.
A provider action also leaves the service's own ``service.<action>`` entry; both carry the
request's correlation id, which links them (and the log lines of webhook, worker and delivery).
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy.exc

from bot.acl import SPACE_NOT_ALLOWED, UNKNOWN_PERSON, AccessDecision, normalise
from bot.bootstrap import Bot
from bot.ratelimit import LIMITED_VIA, THROTTLED, RateDecision, RateLimiter
from commands.context import CommandContext
from commands.parsing import ParseError, find_command
from commands.registry import REGISTRY, ArgKind, Role
from commands.replies import Reply
from commands.runner import run_action, run_text
from commands.views import (
    ActionResultView,
    ConfirmView,
    ErrorKind,
    ErrorView,
    Msg,
    NoticeView,
)
from onboarding.service import Actor
from storage.confirmations import ConfirmationRepository
from storage.models import AuditEntryRow, SyncStateRow

log = logging.getLogger(__name__)

#: A reply that says nothing: the worker posts no message for it (a space already told "no").
SILENT = NoticeView(())
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
_REFUSED_SPACE = "access.refused_space."
_TARGET_KINDS = (ArgKind.USER_REF, ArgKind.EMAIL)
_TARGET_INPUTS = ("user", "users", "email")


@dataclass(frozen=True, slots=True)
class Request:
    """A person asking something: typed ``text``, or a card ``action`` with its ``inputs``."""

    person_email: str
    text: str | None = None
    action: str | None = None
    inputs: Mapping[str, Any] = field(default_factory=dict)
    via: str = "chat"  # chat, card, cli
    space_id: str | None = None
    direct: bool = False  # a 1:1 space with the bot: the space allow-list does not apply
    org_id: str | None = None
    bot_names: tuple[str, ...] = ()
    correlation_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])


def is_silent(reply: Reply) -> bool:
    """True when the reply must not be posted at all (nothing to say)."""
    return isinstance(reply.view, NoticeView) and not reply.view.messages


def context_for(bot: Bot, request: Request, role: Role) -> CommandContext:
    """The command context of ``request`` for a person holding ``role``."""
    return CommandContext(
        service=bot.service,
        actor=Actor(
            email=normalise(request.person_email),
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
        not_verified_days=bot.settings.not_verified_days,
        claim_warning_days=bot.settings.claim_warning_days,
    )


def handle(bot: Bot, request: Request) -> Reply:
    """Run ``request`` through access, the rate limit, the command and the audit trail.

    Never raises: whatever goes wrong becomes an error reply, and the audit entry is written
    whatever the outcome.
    """
    extra = {"correlation_id": request.correlation_id}
    forced: str | None = None
    note: str | None = None
    try:
        decision = bot.access.decide(
            request.person_email,
            space_id=None if request.direct else request.space_id,
            org_id=request.org_id,
            require_org=request.via in LIMITED_VIA,
        )
        if not decision.allowed:
            reply, forced, note = _refusal(bot, request, decision)
        else:
            assert decision.role is not None
            reply, forced, note = _run(bot, request, decision.role)
    except Exception:
        # The runner shapes command failures itself; this is the pipeline's own last resort.
        ref = uuid.uuid4().hex[:12]
        log.exception("request failed in the pipeline (ref %s)", ref, extra=extra)
        view = ErrorView(ErrorKind.INTERNAL, (Msg("error.internal", {"ref": ref}),), ref=ref)
        reply = Reply.error(view, request.action)
    result, detail = outcome_of(reply)
    result = forced or result
    if note:
        detail = f"{detail} ({note})" if detail else note
    name = _action_name(request, reply)  # parses the text again when the command did not run
    _audit(bot, request, reply, name, result, detail)
    log.info(
        "%s %s by %s via %s: %s",
        "action" if request.action is not None else "command",
        _cut(name, 80),
        normalise(request.person_email),
        request.via,
        result,
        extra={**extra, "command": reply.command or request.action},
    )
    return reply


# What a step answered, the audit result it forces (if any) and a note for the audit detail.
_Step = tuple[Reply, str | None, str | None]


def _run(bot: Bot, request: Request, role: Role) -> _Step:
    if request.via in LIMITED_VIA:
        limit = RateLimiter(bot.db, bot.settings.commands_per_minute).check(
            normalise(request.person_email), bot.clock.now()
        )
        if not limit.allowed:
            return _slow_down(bot, request, limit)
    ctx = context_for(bot, request, role)
    if request.action is not None:
        return run_action(request.action, dict(request.inputs), ctx), None, None
    return run_text(request.text or "", ctx), None, None


def _slow_down(bot: Bot, request: Request, limit: RateDecision) -> _Step:
    log.warning(
        "%s is over %d commands a minute; not running the command",
        normalise(request.person_email),
        bot.settings.commands_per_minute,
        extra={"correlation_id": request.correlation_id},
    )
    if limit.already_told:
        return Reply(SILENT, ok=False, command=request.action), THROTTLED, "already told"
    seconds = max(int(limit.retry_after.total_seconds() + 0.999), 1)
    view = ErrorView(
        ErrorKind.UNAVAILABLE,
        (
            Msg(
                "ratelimit.slow_down",
                {"n": bot.settings.commands_per_minute, "seconds": seconds},
            ),
        ),
    )
    return Reply.error(view, request.action), THROTTLED, None


def _refusal(bot: Bot, request: Request, decision: AccessDecision) -> _Step:
    key = decision.refusal or UNKNOWN_PERSON
    messages: tuple[Msg, ...]
    log.warning(
        "refused %s (org %s) in %s: %s",
        normalise(request.person_email),
        request.org_id,
        request.space_id,
        key,
        extra={"correlation_id": request.correlation_id},
    )
    if key == SPACE_NOT_ALLOWED and request.space_id is not None and request.via != "cli":
        if not _first_refusal_in(bot, request.space_id):
            return (
                Reply(SILENT, ok=False, command=request.action),
                "refused",
                f"{key}, already told",
            )
        messages = (Msg(key), Msg("access.space_quiet"))
    else:
        messages = (Msg(key),)
    return Reply.error(ErrorView(ErrorKind.FORBIDDEN, messages), request.action), None, None


def _first_refusal_in(bot: Bot, space_id: str) -> bool:
    """Remember, durably and once across processes, that ``space_id`` was told "not here"."""
    # The primary key makes the first insert win; a concurrent second one fails and stays quiet.
    name = _REFUSED_SPACE + hashlib.sha256(space_id.encode()).hexdigest()[:64]
    try:
        with bot.db.uow() as uow:
            if uow.sync_state.get(name) is not None:
                return False
            uow.session.add(
                SyncStateRow(name=name, value={"space_id": space_id}, updated_at=bot.clock.now())
            )
            uow.commit()
    except sqlalchemy.exc.IntegrityError:
        return False
    return True


# --- the audit entry ---------------------------------------------------------------------------


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
    if is_silent(reply):
        return "refused", None
    return "error", None


def _cut(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    value = value.replace("\x00", "\ufffd")  # PostgreSQL text cannot hold NUL
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _action_name(request: Request, reply: Reply) -> str:
    if reply.command:
        return reply.command
    if request.action is not None:
        return request.action or "unknown"
    try:
        return find_command(request.text or "", REGISTRY, request.bot_names).spec.name
    except ParseError:
        return "unknown"


def _text_of(request: Request) -> str | None:
    if request.action is None:
        return _cut(request.text, MAX_TEXT)
    data = {"action": request.action, **{str(k): v for k, v in request.inputs.items()}}
    return _cut(json.dumps(data, ensure_ascii=False, default=str), MAX_TEXT)


def _target_of(bot: Bot, request: Request, reply: Reply) -> str | None:
    """The user the request is about: resolved by the command when it got that far, else typed."""
    target = getattr(reply.view, "target", None)
    if isinstance(target, str) and target:
        return target
    report = getattr(reply.view, "report", None)
    subscriber = getattr(report, "subscriber", None)
    if subscriber is not None:
        return str(subscriber.email or subscriber.user_id)
    if request.action is not None:
        for name in _TARGET_INPUTS:
            value = request.inputs.get(name)
            if isinstance(value, list | tuple):
                value = " ".join(str(v) for v in value)
            if value is not None and str(value).strip():
                return str(value).strip()
        code = request.inputs.get("code")
        return _confirmation_target(bot, code) if request.action in ("confirm", "cancel") else None
    return _typed_target(bot, request)


def _typed_target(bot: Bot, request: Request) -> str | None:
    try:
        parsed = find_command(request.text or "", REGISTRY, request.bot_names)
    except ParseError:
        return None
    if parsed.spec.name in ("confirm", "cancel") and parsed.tokens:
        return _confirmation_target(bot, parsed.tokens[0])
    for index, arg in enumerate(parsed.spec.args):
        if index >= len(parsed.tokens):
            break
        if arg.kind in _TARGET_KINDS:
            words = parsed.tokens[index:] if arg.variadic else parsed.tokens[index : index + 1]
            return " ".join(words).strip() or None
    return None


def _confirmation_target(bot: Bot, code: object) -> str | None:
    if not isinstance(code, str) or len(code) > 40 or not code.isascii() or not code.isalnum():
        return None
    with bot.db.uow() as uow:
        row = ConfirmationRepository(uow.session).get(code.strip())
        if row is None:
            return None
        return str((row.params or {}).get("display") or row.target)


def _audit(
    bot: Bot, request: Request, reply: Reply, name: str, result: str, detail: str | None
) -> None:
    """Record the request's one audit entry; a failure is logged, never raised over the reply."""
    try:
        values: dict[str, Any] = {
            "actor": normalise(request.person_email) or "(nobody)",
            "via": request.via,
            "space_id": request.space_id,
            "action": name,
            "target": _target_of(bot, request, reply),
            "result": result,
            "correlation_id": request.correlation_id,
        }
        values = {k: _cut(v, _LIMITS[k]) for k, v in values.items()}
        entry = AuditEntryRow(
            at=bot.clock.now(),
            text=_text_of(request),
            detail=_cut(detail, MAX_TEXT),
            **values,
        )
        with bot.db.uow() as uow:
            uow.audit.record(entry)
            uow.commit()
    except Exception:
        # The reply matters more than its audit line; the failure is logged for operators.
        log.exception(
            "could not record the audit entry", extra={"correlation_id": request.correlation_id}
        )
