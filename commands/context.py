"""Everything a command handler may use, passed in, never global."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from commands.registry import REGISTRY, Registry, Role, allowed
from i18n import DEFAULT_LOCALE
from onboarding.bulk import Upload
from onboarding.clock import Clock
from onboarding.service import Actor, OnboardingService
from storage.uow import Database, UnitOfWork

DEFAULT_CONFIRMATION_TTL = timedelta(minutes=10)

#: Downloads a message's file by its URL (Webex: GET with the bot token); raises
#: ``InvalidInput`` for a file that cannot be read as one.
FileFetcher = Callable[[str], Upload]


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Who asks, with which role and locale, and the services a command may call."""

    uow: UnitOfWork  # the request's unit of work, already open: use its repositories, never `with`
    service: OnboardingService
    actor: Actor
    role: Role
    clock: Clock
    db: Database  # for the digest commands, which open their own units of work
    files_dir: Path  # where exports are written
    locale: str = DEFAULT_LOCALE  # the language of this answer (the space's or the person's)
    default_locale: str = DEFAULT_LOCALE  # app.yaml's locale, where nobody chose a language
    confirmation_ttl: timedelta = DEFAULT_CONFIRMATION_TTL
    bot_names: tuple[str, ...] = ()  # display names a message may start with (mentions)
    registry: Registry = field(default=REGISTRY)
    page_size: int = 10
    not_verified_days: int = 7  # Not verified longer than this is stuck (settings)
    claim_warning_days: int = 2  # warn about Delayed claims ending within this (settings)
    files: tuple[str, ...] = ()  # the message's file URLs (``retry file``)
    fetch_file: FileFetcher | None = None  # how to download them (None: this door has no files)
    thread_id: str | None = None  # the thread later posts go in (a bulk job's progress)
    bulk_concurrency: int = 4  # retries a confirmed ``retry file`` runs at once (settings)
    #: The role everyone who reads this space has at least (the asker's own in a 1:1 space, the
    #: space's in ``access.spaces``); None: not known. What a post for the space may show.
    audience_role: Role | None = None

    def allowed_actions(self, names: Iterable[str]) -> tuple[str, ...]:
        """The card actions among ``names`` that are registered and the asker's role allows."""
        out = []
        for name in names:
            action = self.registry.action(name)
            if action is not None and allowed(action, self.role):
                out.append(name)
        return tuple(out)
