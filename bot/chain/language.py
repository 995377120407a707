"""The language link: which language this request is answered in.

A person's own language (``language me cs``) wins in their 1:1 space with the bot, in answers to
their card clicks and at the command line; elsewhere the space's (``language cs``); else
app.yaml's ``locale``. The locale goes on the turn before access, so that a refusal is worded in
it too; after ``language`` itself ran, it is looked up again, so the change answers in the new
language.
"""

from __future__ import annotations

from bot.acl import normalise
from bot.chain.turn import Next, Turn
from commands.language_choice import choose_locale, lookup
from commands.runner import Handled


def _locale(turn: Turn) -> str:
    request = turn.request
    found = lookup(
        turn.uow,
        person=normalise(request.person_email),
        space_id=request.space_id,
        default=turn.bot.settings.locale,
    )
    return choose_locale(found, own=request.direct or request.via in ("card", "cli"))


def language(turn: Turn, next_: Next) -> Handled:
    """Put the request's locale on the turn, then go on."""
    turn.locale = _locale(turn)
    handled = next_()
    if handled.name == "language" and handled.reply.ok:
        turn.locale = _locale(turn)
    return handled
