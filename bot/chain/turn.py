"""One request on its way through the dispatch chain: who asks what, and what the links learnt."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.bootstrap import Bot
from commands.parsing import ParsedCommand, ParseError, find_command
from commands.registry import REGISTRY, Role
from commands.replies import Reply
from commands.runner import Handled, input_target, typed_target
from storage.uow import UnitOfWork


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
    from_bot: bool = False  # the bot's own message (an intake that cannot drop it earlier)
    files: tuple[str, ...] = ()  # the message's file URLs (Webex: at most one), for ``retry file``
    thread_id: str | None = None  # the thread the replies go in (group spaces), for later posts
    #: An event claimed for the first time: no earlier attempt can have carried anything out,
    #: so the *already handled* link need not look (one query less for nearly every command).
    first_attempt: bool = False


_UNPARSED = object()


@dataclass(slots=True)
class Turn:
    """The state one request carries along the chain.

    ``uow`` is the unit of work the links reach storage through (passed in, so a test may
    pass a fake); ``locale`` is set by the language link, ``role`` by the access link;
    ``result``/``note`` let a link that answered by itself tell the audit entry why
    (``throttled``, "already told").
    """

    bot: Bot
    request: Request
    uow: UnitOfWork
    role: Role | None = None
    result: str | None = None
    note: str | None = None
    outcome: tuple[str, str | None] | None = None  # the audit result and detail, once known
    locale: str | None = None  # the language of the answer, set by the language link
    _parsed: object = _UNPARSED

    def found(self) -> ParsedCommand | ParseError | None:
        """The typed command, found once per request: why not when it cannot be; None for a card."""
        if self._parsed is _UNPARSED:
            found: ParsedCommand | ParseError | None = None
            if self.request.action is None:
                try:
                    found = find_command(self.request.text or "", REGISTRY, self.request.bot_names)
                except ParseError as exc:
                    found = exc
            self._parsed = found
        return self._parsed if isinstance(self._parsed, ParsedCommand | ParseError) else None

    def parsed(self) -> ParsedCommand | None:
        """The typed command, or None for a card or text that names no command."""
        found = self.found()
        return found if isinstance(found, ParsedCommand) else None

    def answered(self, reply: Reply) -> Handled:
        """What a link that answers before the command runs hands back (nothing ran)."""
        parsed = self.parsed()
        request = self.request
        if request.action is not None:
            action = REGISTRY.action(request.action)
            spec = action.command if action is not None else None
            return Handled(reply, spec, request.action, target=input_target(request.inputs))
        if parsed is None:
            return Handled(reply)
        return Handled(reply, parsed.spec, target=typed_target(parsed))


Next = Callable[[], Handled]
Link = Callable[[Turn, Next], Handled]
