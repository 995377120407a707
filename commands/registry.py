"""The command registry: ``@command`` and ``@card_action`` store frozen specs; help reads them.

A command is a name (one or two words), aliases, typed arguments, the role it needs and catalog
keys for its help. A card action is an Adaptive Card ``Action.Submit`` route that calls a handler
with the same typed arguments, so a button and a typed command do exactly the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from commands.context import CommandContext
    from commands.parsing import Args
    from commands.replies import Reply

Handler = Callable[["CommandContext", "Args"], "Reply"]
H = TypeVar("H", bound=Callable[..., Any])


class Role(IntEnum):
    """Who may do what, in increasing power: viewer < support < admin."""

    VIEWER = 1
    SUPPORT = 2
    ADMIN = 3

    @property
    def key(self) -> str:
        """The catalog key of the role's name."""
        return f"role.{self.name.lower()}"


class ArgKind(StrEnum):
    """What an argument is, which decides how its text is checked and converted."""

    EMAIL = "email"
    USER_REF = "user"  # an email, a BroadWorks user ID or a subscriber id
    STATUS = "status"  # a group, an exact API status, or ``all``
    PACKAGE = "package"
    CUSTOMER = "customer"
    NUMBER = "number"  # a whole number, at least the ArgSpec's ``minimum``
    STATE = "state"  # a Control Hub state, English or Czech, words may be split
    TEXT = "text"
    COMMAND = "command"  # a command name (for ``help <command>``)
    CODE = "code"  # a confirmation code
    FILTERS = "filters"  # the status/export filter language


@dataclass(frozen=True, slots=True)
class ArgSpec:
    """One argument: its name, kind, whether it is required and whether it takes the rest."""

    name: str
    kind: ArgKind
    required: bool = True
    variadic: bool = False
    minimum: int = 0

    @property
    def label_key(self) -> str:
        """The catalog key of the argument's label in usage lines (``<user>``, ``<uživatel>``)."""
        return f"arg.{self.name}"


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A registered command."""

    name: str
    handler: Handler
    aliases: tuple[str, ...] = ()
    args: tuple[ArgSpec, ...] = ()
    role: Role = Role.VIEWER
    help_key: str = ""
    usage_key: str | None = None
    examples: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The name and every alias."""
        return (self.name, *self.aliases)


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """A registered card action: ``{"action": name, ...inputs}`` calls ``handler``."""

    name: str
    handler: Handler
    role: Role | None = None
    args: tuple[ArgSpec, ...] | None = None


@dataclass(frozen=True, slots=True)
class ResolvedAction:
    """A card action with its arguments and role settled (taken from its command if not given)."""

    name: str
    handler: Handler
    role: Role
    args: tuple[ArgSpec, ...]
    command: CommandSpec | None


def allowed(spec: CommandSpec | ResolvedAction, role: Role) -> bool:
    """The dry-run access check: may someone with ``role`` run ``spec``?"""
    return role >= spec.role


def _norm(name: str) -> str:
    return " ".join(name.lower().split())


class Registry:
    """Commands and card actions by name."""

    def __init__(self) -> None:
        self._commands: dict[str, CommandSpec] = {}
        self._by_name: dict[str, CommandSpec] = {}
        self._actions: dict[str, ActionSpec] = {}
        self._resolved: dict[str, ResolvedAction] = {}  # cleared whenever anything registers

    def command(
        self,
        name: str,
        *,
        aliases: tuple[str, ...] = (),
        args: tuple[ArgSpec, ...] = (),
        role: Role = Role.VIEWER,
        help_key: str | None = None,
        usage_key: str | None = None,
        examples: tuple[str, ...] = (),
    ) -> Callable[[H], H]:
        """Register the decorated function as the handler of command ``name``."""
        _check_args(name, args)

        def register(fn: H) -> H:
            spec = CommandSpec(
                name=_norm(name),
                handler=fn,
                aliases=tuple(_norm(a) for a in aliases),
                args=args,
                role=role,
                help_key=help_key or f"cmd.{_norm(name).replace(' ', '_')}.help",
                usage_key=usage_key,
                examples=examples,
            )
            for n in spec.names:
                if n in self._by_name:
                    raise ValueError(f"command name {n!r} is registered twice")
            self._resolved.clear()
            self._commands[spec.name] = spec
            for n in spec.names:
                self._by_name[n] = spec
            return fn

        return register

    def card_action(
        self, name: str, *, role: Role | None = None, args: tuple[ArgSpec, ...] | None = None
    ) -> Callable[[H], H]:
        """Route card action ``name`` to the decorated handler.

        Without ``args`` (and ``role``) the action takes the arguments (and role) of the command
        that has the same handler, so the button is validated exactly like the typed command.
        """
        if args is not None:
            _check_args(name, args)

        def register(fn: H) -> H:
            if name in self._actions:
                raise ValueError(f"card action {name!r} is registered twice")
            self._resolved.clear()
            self._actions[name] = ActionSpec(name, fn, role, args)
            return fn

        return register

    def find(self, name: str) -> CommandSpec | None:
        """The command with this name or alias."""
        return self._by_name.get(_norm(name))

    def lookup(self, tokens: list[str]) -> tuple[CommandSpec, int] | None:
        """The command the tokens start with (two-word names first) and how many tokens it used."""
        for width in (2, 1):
            if len(tokens) >= width:
                spec = self._by_name.get(_norm(" ".join(tokens[:width])))
                if spec is not None:
                    return spec, width
        return None

    def commands(self) -> tuple[CommandSpec, ...]:
        """Every command, in registration order."""
        return tuple(self._commands.values())

    def names(self) -> tuple[str, ...]:
        """Every command name and alias."""
        return tuple(self._by_name)

    def action(self, name: str) -> ResolvedAction | None:
        """The card action ``name`` with its arguments and role settled."""
        resolved = self._resolved.get(name)
        if resolved is not None:
            return resolved
        spec = self._actions.get(name)
        if spec is None:
            return None
        cmd = next((c for c in self._commands.values() if c.handler is spec.handler), None)
        args = spec.args if spec.args is not None else (cmd.args if cmd else ())
        role = spec.role or (cmd.role if cmd else Role.ADMIN)
        resolved = self._resolved[name] = ResolvedAction(spec.name, spec.handler, role, args, cmd)
        return resolved

    def actions(self) -> Iterator[ResolvedAction]:
        """Every card action, resolved."""
        for name in self._actions:
            resolved = self.action(name)
            if resolved is not None:
                yield resolved


def _check_args(name: str, args: tuple[ArgSpec, ...]) -> None:
    seen_optional = False
    for i, arg in enumerate(args):
        if arg.variadic and i != len(args) - 1:
            raise ValueError(f"{name}: only the last argument may be variadic")
        if arg.required and seen_optional:
            raise ValueError(f"{name}: a required argument follows an optional one")
        seen_optional = seen_optional or not arg.required


#: The bot's registry; ``commands/__init__.py`` imports every family so all are registered.
REGISTRY = Registry()
command = REGISTRY.command
card_action = REGISTRY.card_action
