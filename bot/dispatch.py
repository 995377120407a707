"""One dispatch chain for every way a person reaches the bot: typed text, a card button, `ask`.

``dispatch(bot, request)`` passes the request through small links, in the spirit of
bolt-python's middleware list::

    ignore self -> already handled -> audit -> rescue -> access -> rate limit -> run

Each link (``bot/chain/``) either answers by itself or calls the next one. The audit link wraps
the links after it, so every request that gets that far leaves exactly one audit entry, allowed
or not; ``rescue`` is the one catch-all that turns an unexpected failure into the apology with a
log reference; ``run`` calls the runner, which returns what it ran (``Handled``: the command,
its typed arguments, its target and the reply) for the audit, the metrics and the logs.

The Webex worker and the CLI both call ``dispatch``; nothing here knows about HTTP or Webex.
Each request is one unit of work (cosmicpython's pattern, passed in so a test may pass a fake):
the links and the command's own storage (confirmations) use its repositories, and the audit
entry is committed with what the command wrote. The provider actions are the exception by design:
the service commits each one at once with its ``service.<action>`` entry, so that a crash after
a provider call can never make it run twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.bootstrap import Bot
from bot.chain.access import access
from bot.chain.audit import audit
from bot.chain.guards import SILENT, already_handled, ignore_self
from bot.chain.rate_limit import rate_limit
from bot.chain.rescue import rescue
from bot.chain.run import run
from bot.chain.turn import Link, Request, Turn
from commands.replies import Reply
from commands.runner import Handled
from commands.views import NoticeView
from storage.uow import UnitOfWork

__all__ = ["CHAIN", "SILENT", "Dispatched", "Request", "dispatch", "is_silent"]

#: The links, in order; a test may dispatch through a shorter chain.
CHAIN: tuple[Link, ...] = (ignore_self, already_handled, audit, rescue, access, rate_limit, run)


@dataclass(frozen=True, slots=True)
class Dispatched:
    """What a request came to: what ran (and its reply), and its audit result and detail."""

    handled: Handled
    result: str
    detail: str | None = None

    @property
    def reply(self) -> Reply:
        """The reply to render and post."""
        return self.handled.reply

    @property
    def name(self) -> str:
        """The command or card action (``unknown`` when none was found)."""
        return self.handled.name

    @property
    def silent(self) -> bool:
        """True when nothing is to be posted."""
        return is_silent(self.handled.reply)


def is_silent(reply: Reply) -> bool:
    """True when the reply must not be posted at all (nothing to say)."""
    return isinstance(reply.view, NoticeView) and not reply.view.messages


def dispatch(
    bot: Bot,
    request: Request,
    *,
    uow: UnitOfWork | None = None,
    chain: Sequence[Link] = CHAIN,
) -> Dispatched:
    """Pass ``request`` through the chain and return what it came to.

    Raises only when a link before the catch-all fails (reading the audit trail to see whether
    an event was already carried out): the worker then retries the event later.
    """
    turn = Turn(bot, request, uow or bot.db.uow())

    def step(index: int) -> Handled:
        if index == len(chain):
            raise LookupError("the dispatch chain ended without an answer")
        return chain[index](turn, lambda: step(index + 1))

    with turn.uow:
        handled = step(0)
    result, detail = turn.outcome or ("ok" if handled.reply.ok else "error", None)
    return Dispatched(handled, result, detail)
