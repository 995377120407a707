"""Run a chat message or a card action: parse, check the role, call the handler, shape errors.

Whatever happens, the caller gets a ``Reply``: an ``OnboardingError`` becomes an ``ErrorView``
with ``ok=False``; anything else is logged under a reference id and answered with an apology.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping

from commands.context import CommandContext
from commands.parsing import Args, ParseError, args_from_inputs, find_command, parse_args
from commands.registry import CommandSpec, ResolvedAction, Role
from commands.replies import Reply
from commands.views import ErrorKind, ErrorView, Label, Msg
from onboarding.errors import (
    InvalidInput,
    NotFound,
    OnboardingError,
    ProviderPermission,
    ProviderUnavailable,
    Refused,
)

log = logging.getLogger(__name__)


def run_text(text: str, ctx: CommandContext) -> Reply:
    """Answer one chat message (the bot's mention is stripped first)."""
    command: str | None = None
    try:
        parsed = find_command(text, ctx.registry, ctx.bot_names)
        command = parsed.spec.name
        refused = _check_role(parsed.spec.name, parsed.spec.role, ctx.role)
        if refused is not None:
            return refused
        args = parse_args(parsed.spec, parsed.tokens)
        return _call(parsed.spec.name, lambda: parsed.spec.handler(ctx, args), ctx)
    except ParseError as exc:
        return _parse_error(exc, command)


def run_action(name: str, inputs: Mapping[str, object], ctx: CommandContext) -> Reply:
    """Answer an Adaptive Card ``Action.Submit`` (``inputs`` are its data, ``action`` included)."""
    action: ResolvedAction | None = ctx.registry.action(name)
    if action is None:
        view = ErrorView(ErrorKind.UNKNOWN_COMMAND, (Msg("run.unknown_action", {"name": name}),))
        return Reply.error(view, name)
    refused = _check_role(name, action.role, ctx.role)
    if refused is not None:
        return refused
    try:
        args = args_from_inputs(action.args, inputs)
    except ParseError as exc:
        exc.command = exc.command or action.command
        return _parse_error(exc, name)
    except Exception:  # card data is untrusted: odd types must not crash the worker
        return _internal(name, ctx)
    handler = action.handler
    return _call(name, lambda: handler(ctx, args), ctx)


def run_handler(spec: CommandSpec, args: Args, ctx: CommandContext) -> Reply:
    """Call ``spec``'s handler with typed arguments, with the role check and error shaping."""
    refused = _check_role(spec.name, spec.role, ctx.role)
    if refused is not None:
        return refused
    return _call(spec.name, lambda: spec.handler(ctx, args), ctx)


def _check_role(name: str, needed: Role, role: Role) -> Reply | None:
    if role >= needed:
        return None
    view = ErrorView(
        ErrorKind.FORBIDDEN,
        (
            Msg(
                "run.forbidden",
                {"command": name, "role": Label(needed.key), "yours": Label(role.key)},
            ),
        ),
        needed_role=needed,
    )
    return Reply.error(view, name)


def _call(name: str, run: Callable[[], Reply], ctx: CommandContext) -> Reply:
    try:
        reply = run()
    except ParseError as exc:
        return _parse_error(exc, name)
    except OnboardingError as exc:
        return Reply.error(error_view(exc), name)
    except Exception:
        return _internal(name, ctx)
    if reply.command is None:
        reply = Reply(reply.view, reply.ok, reply.file, name)
    return reply


def _internal(name: str, ctx: CommandContext) -> Reply:
    ref = uuid.uuid4().hex[:12]
    log.exception(
        "command %s failed (ref %s, actor %s, correlation %s)",
        name,
        ref,
        ctx.actor.email,
        ctx.actor.correlation_id,
        extra={"correlation_id": ctx.actor.correlation_id, "command": name},
    )
    view = ErrorView(ErrorKind.INTERNAL, (Msg("error.internal", {"ref": ref}),), ref=ref)
    return Reply.error(view, name)


def _parse_error(exc: ParseError, command: str | None) -> Reply:
    kind = ErrorKind.UNKNOWN_COMMAND if exc.key == "parse.unknown_command" else ErrorKind.BAD_INPUT
    view = ErrorView(kind, exc.messages, suggestions=exc.suggestions, usage_of=exc.command)
    return Reply.error(view, command)


def error_view(exc: OnboardingError) -> ErrorView:
    """The view of a domain error (a ``ParseError`` goes through ``_parse_error`` instead)."""
    kind = ErrorKind.BAD_INPUT
    if isinstance(exc, NotFound):
        kind = ErrorKind.NOT_FOUND
    elif isinstance(exc, Refused):
        kind = ErrorKind.REFUSED
    elif isinstance(exc, ProviderUnavailable | ProviderPermission):
        kind = ErrorKind.UNAVAILABLE
    elif not isinstance(exc, InvalidInput):
        kind = ErrorKind.REFUSED
    return ErrorView(kind, (Msg(exc.key, dict(exc.params)),))
