"""The one composition root: settings in, a wired bot out. Tests pass their own parts."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from bot.acl import AccessPolicy
from bot.settings import ConfigError, Settings
from i18n import numbers
from onboarding.bulk import Upload
from onboarding.clock import Clock, SystemClock
from onboarding.providers.base import Provider
from onboarding.service import OnboardingService
from storage.uow import Database

log = logging.getLogger(__name__)


@dataclass
class Bot:
    """Everything a request, a job or a CLI command needs, wired once."""

    settings: Settings
    db: Database
    clock: Clock
    provider: Provider
    service: OnboardingService
    access: AccessPolicy
    files_dir: Path
    page_size: int = 10  # rows per page of a chat list
    #: Told how long each digest took to build (serve points it at its metrics histogram).
    digest_built: Callable[[float], None] | None = None
    #: Downloads a message's attached file (serve points it at the Webex gateway; a test at
    #: its own files). None: files cannot be read here, and ``retry file`` says so.
    file_fetcher: Callable[[str], Upload] | None = None

    @property
    def confirmation_ttl(self) -> timedelta:
        """How long a confirmation code stays valid."""
        return timedelta(minutes=self.settings.confirmation_minutes)


def freeze_loaded_objects() -> None:
    """Take what a started process has loaded out of the garbage collector's sight.

    The modules, the catalog, the settings and the wired bot live as long as the process, yet a
    full collection walked all of them each time: an export of 1,000,000 rows allocates enough
    to run dozens, and was a fifth slower for it. Frozen before ``serve`` forks its worker
    processes, their pages also stay shared with the children (the use the ``gc`` docs give).
    Called by ``serve`` only: what is frozen is never collected, so a command that runs inside
    another process (``ask`` under a test's CliRunner) must not.
    """
    gc.collect()
    gc.freeze()


def make_provider(settings: Settings, db: Database, clock: Clock) -> Provider:
    """The configured onboarding provider."""
    if settings.provider == "sandbox":
        from onboarding.demo_data import ensure_demo_data
        from onboarding.providers.sandbox import SandboxProvider

        ensure_demo_data(db, clock, random_seed=settings.sandbox.random_seed)
        return SandboxProvider(
            db,
            clock,
            random_seed=settings.sandbox.random_seed,
            step=timedelta(seconds=settings.sandbox.step_seconds),
        )
    from onboarding.providers.webex import WebexProvider

    return WebexProvider.from_settings(settings, db, clock)


def check_settings(settings: Settings) -> None:
    """Refuse combinations that would leave the bot unsafe or useless."""
    if settings.provider == "webex" and settings.access is None:
        raise ConfigError(
            "access: required with provider webex (name the admins, support staff and viewers)"
        )
    if settings.provider == "webex" and settings.webex.admin_token is None and not settings.oauth:
        raise ConfigError(
            "webex.admin_token: provider webex needs WEBEX_ADMIN_TOKEN or an oauth section"
        )


def _register_secrets(settings: Settings) -> None:
    from bot.logs import register_secret

    for secret in (
        settings.webex.bot_token,
        settings.webex.webhook_secret,
        settings.webex.admin_token,
        settings.oauth.client_secret if settings.oauth else None,
        settings.oauth.refresh_token if settings.oauth else None,
    ):
        if secret is not None:
            register_secret(secret.get_secret_value())
    # A PostgreSQL password in DATABASE_URL: driver errors may quote the connection string.
    # A value that is no URL at all is Database.from_url's to report.
    with contextlib.suppress(sa.exc.ArgumentError):
        register_secret(sa.make_url(settings.database_url).password)


def build_bot(
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
    provider: Provider | None = None,
    migrate: bool = True,
) -> Bot:
    """Wire the bot: migrate the database, pick the provider (seeding the sandbox when empty)."""
    check_settings(settings)
    _register_secrets(settings)
    db = db or Database.from_url(settings.database_url)
    if migrate:
        db.upgrade()
    clock = clock or SystemClock()
    # Every time shown to a person is in this zone (a process serves one configuration).
    numbers.set_display_zone(settings.timezone)
    provider = provider or make_provider(settings, db, clock)
    files_dir = settings.files_dir
    files_dir.mkdir(parents=True, exist_ok=True)
    if migrate:
        from bot.jobs import sync_configured_digests

        # Every entry point sees app.yaml's digests with stable ids (serve, ask, digest run).
        sync_configured_digests(db, settings.digests, clock.now())
    return Bot(
        settings=settings,
        db=db,
        clock=clock,
        provider=provider,
        service=OnboardingService(db, provider, clock),
        access=AccessPolicy.from_settings(settings),
        files_dir=files_dir,
    )
