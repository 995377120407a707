"""Run a chat message or a card action: find it, check the role, call the handler, shape errors.

The runner returns what it ran (``Handled``: the command, its typed arguments, the user it was
about and the reply), so the audit, the metrics and the logs read the command and its target
from here instead of parsing the text again. Domain errors (``OnboardingError``, ``ParseError``)
become error replies here; anything else propagates to the dispatch chain's one catch-all
(``bot.chain.rescue``), which logs it under a reference and answers with the apology.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from commands.context import CommandContext
from commands.parsing import (
    Args,
    ParsedCommand,
    ParseError,
    args_from_inputs,
    find_command,
    parse_args,
)
from commands.registry import ArgKind, CommandSpec, ResolvedAction, Role
from commands.replies import Reply
from commands.views import ErrorKind, ErrorView, Label, Msg
from i18n import has
from onboarding.errors import (
    InvalidInput,
    NotFound,
    OnboardingError,
    ProviderPermission,
    ProviderUnavailable,
    Refused,
)

log = logging.getLogger(__name__)

_TARGET_KINDS = (ArgKind.USER_REF, ArgKind.EMAIL)
_TARGET_INPUTS = ("user", "users", "email")


@dataclass(frozen=True, slots=True)
class Handled:
    """What ran and what it answered.

    ``spec`` is the command (for a card action, the command behind it; None when no command
    was found), ``action`` the card action's name when a button was clicked, ``args`` the typed
    arguments when they were valid, ``target`` the user it was about as the person gave it.
    """

    reply: Reply
    spec: CommandSpec | None = None
    action: str | None = None
    args: Args | None = None
    target: str | None = None

    @property
    def name(self) -> str:
        """The command or card action, for the audit trail, metrics and logs."""
        return self.action or (self.spec.name if self.spec else None) or "unknown"


def run_text(
    text: str, ctx: CommandContext, *, parsed: ParsedCommand | ParseError | None = None
) -> Handled:
    """Answer one chat message (the bot's mention is stripped first).

    ``parsed`` is what ``find_command`` made of the text when the caller looked already.
    """
    try:
        if isinstance(parsed, ParseError):
            raise parsed
        parsed = parsed or find_command(text, ctx.registry, ctx.bot_names)
    except ParseError as exc:
        return Handled(_parse_error(exc, None))
    spec = parsed.spec
    target = typed_target(parsed)
    typed = Msg("run.forbidden", {"command": spec.name})
    refused = _check_role(spec.name, spec.role, ctx.role, typed)
    if refused is not None:
        return Handled(refused, spec, target=target)
    try:
        args = parse_args(spec, parsed.tokens)
    except ParseError as exc:
        return Handled(_parse_error(exc, spec.name), spec, target=target)
    reply = _call(spec.name, lambda: spec.handler(ctx, args))
    return Handled(reply, spec, args=args, target=_target(reply) or target)


def run_action(name: str, inputs: Mapping[str, object], ctx: CommandContext) -> Handled:
    """Answer an Adaptive Card ``Action.Submit`` (``inputs`` are its data, ``action`` included)."""
    action: ResolvedAction | None = ctx.registry.action(name)
    target = input_target(inputs)
    if action is None:
        view = ErrorView(ErrorKind.UNKNOWN_COMMAND, (Msg("run.unknown_action", {"name": name}),))
        return Handled(Reply.error(view, name), action=name, target=target)
    label = f"button.{name}"
    button = Msg("run.forbidden_button", {"button": Label(label) if has(label) else name})
    refused = _check_role(name, action.role, ctx.role, button)
    if refused is not None:
        return Handled(refused, action.command, name, target=target)
    try:
        args = args_from_inputs(action.args, inputs)
    except ParseError as exc:
        exc.command = exc.command or action.command
        return Handled(_parse_error(exc, name), action.command, name, target=target)
    handler = action.handler
    reply = _call(name, lambda: handler(ctx, args))
    return Handled(reply, action.command, name, args, _target(reply) or target)


def typed_target(parsed: ParsedCommand) -> str | None:
    """The user a typed command is about, as typed (before its arguments are converted)."""
    for index, arg in enumerate(parsed.spec.args):
        if index >= len(parsed.tokens):
            break
        if arg.kind in _TARGET_KINDS:
            words = parsed.tokens[index:] if arg.variadic else parsed.tokens[index : index + 1]
            return " ".join(words).strip() or None
    return None


def input_target(inputs: Mapping[str, object]) -> str | None:
    """The user a card action is about, from its data (untrusted: only plain text counts)."""
    for name in _TARGET_INPUTS:
        value = inputs.get(name)
        if isinstance(value, list | tuple):
            value = " ".join(str(v) for v in value)
        if isinstance(value, str | int) and str(value).strip():
            return str(value).strip()
    return None


def _target(reply: Reply) -> str | None:
    """The user the reply is about, resolved by the command when it got that far."""
    if reply.target:
        return reply.target
    target = getattr(reply.view, "target", None)
    if isinstance(target, str) and target:
        return target
    subscriber = getattr(getattr(reply.view, "report", None), "subscriber", None)
    subscriber = subscriber or getattr(reply.view, "subscriber", None)
    if subscriber is not None:
        return str(subscriber.email or subscriber.user_id)
    return None


def _check_role(name: str, needed: Role, role: Role, what: Msg) -> Reply | None:
    """The refusal when ``role`` is short; ``what`` names the command or button as people see it."""
    if role >= needed:
        return None
    params = {**what.params, "role": Label(needed.key), "yours": Label(role.key)}
    view = ErrorView(ErrorKind.FORBIDDEN, (Msg(what.key, params),), needed_role=needed)
    return Reply.error(view, name)


def _call(name: str, run: Callable[[], Reply]) -> Reply:
    try:
        reply = run()
    except ParseError as exc:
        return _parse_error(exc, name)
    except OnboardingError as exc:
        return Reply.error(error_view(exc), name)
    if reply.command is None:
        reply = replace(reply, command=name)
    return reply


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
