"""The run link: the command (or card action) itself, with the role the access link found."""

from __future__ import annotations

from bot.acl import normalise
from bot.bootstrap import Bot
from bot.chain.turn import Next, Request, Turn
from commands.context import CommandContext
from commands.registry import Role
from commands.runner import Handled, run_action, run_text
from onboarding.service import Actor
from storage.uow import UnitOfWork


def context_for(
    bot: Bot, request: Request, role: Role, uow: UnitOfWork, locale: str | None = None
) -> CommandContext:
    """The context of ``request`` for someone holding ``role``, in ``uow``, worded in ``locale``."""
    return CommandContext(
        uow=uow,
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
        locale=locale or bot.settings.locale,
        default_locale=bot.settings.locale,
        confirmation_ttl=bot.confirmation_ttl,
        bot_names=request.bot_names,
        page_size=bot.page_size,
        not_verified_days=bot.settings.not_verified_days,
        claim_warning_days=bot.settings.claim_warning_days,
        files=request.files,
        fetch_file=bot.file_fetcher,
        thread_id=request.thread_id,
        bulk_concurrency=bot.settings.bulk_concurrency,
        # A 1:1 space is read by the asker alone; any other by whoever the access section says.
        audience_role=role if request.direct else bot.access.space_role(request.space_id),
    )


def run(turn: Turn, next_: Next) -> Handled:
    """Run the request; the end of the chain (``next_`` is not called)."""
    request = turn.request
    assert turn.role is not None, "the access link runs first"
    # The checks before only read: end their transaction, so that none stays open while the
    # command waits on a provider (PostgreSQL would hold its snapshot that long).
    turn.uow.commit()
    ctx = context_for(turn.bot, request, turn.role, turn.uow, turn.locale)
    if request.action is not None:
        return run_action(request.action, dict(request.inputs), ctx)
    return run_text(request.text or "", ctx, parsed=turn.found())
