"""Digest jobs as plain functions of (database, service, clock, ...); the scheduler only calls them.

Posting a digest is one transaction: insert the run under its unique (digest, fire time) key and
put the message in the outbox under ``digest:<id>:<fire time>``. Whichever process commits first
posts; any other finds the run already there and posts nothing. That, not the scheduler's leader
lock, is what makes a digest appear exactly once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.acl import AccessPolicy
from bot.cards.digest import digest_card, digest_markdown
from bot.settings import ConfigError, DigestSettings, Settings
from commands.digest import DigestView
from commands.status import audience_may_read_error_text
from i18n import DEFAULT_LOCALE
from onboarding.chart import chart_png
from onboarding.clock import Clock
from onboarding.digest import (
    Content,
    DigestOptions,
    DigestReport,
    DigestSpec,
    Source,
    latest_fire_time,
    parse_schedule,
    record_run,
    report_for,
    should_post,
)
from onboarding.errors import InvalidInput
from onboarding.service import OnboardingService
from onboarding.trend import DEFAULT_DAYS, build_trend
from storage.languages import LanguageScope
from storage.models import DigestRow
from storage.outbox import OutgoingMessage
from storage.uow import Database

if TYPE_CHECKING:
    from bot.bootstrap import Bot

log = logging.getLogger(__name__)

#: How late a scheduled digest may still be posted (a bot that was down for longer skips it).
DEFAULT_GRACE = timedelta(hours=1)


class Outcome(StrEnum):
    """What happened to one firing of a digest."""

    POSTED = "posted"  # run recorded, message in the outbox
    QUIET = "quiet"  # run recorded, nothing posted: a quiet digest with nothing new
    DUPLICATE = "duplicate"  # another process (or an earlier call) already recorded this firing
    MISSED = "missed"  # too late: beyond the grace period
    DISABLED = "disabled"  # the digest no longer exists or was turned off
    PREVIEW = "preview"  # computed only (``post=False``)


@dataclass(frozen=True, slots=True)
class DigestResult:
    """One firing of a digest: what happened, and what was (or would have been) posted."""

    digest_id: int
    fire_time: datetime
    outcome: Outcome
    markdown: str | None = None
    card: dict[str, Any] | None = None
    report: DigestReport | None = None

    @property
    def posted(self) -> bool:
        """True when this call put the digest in the outbox."""
        return self.outcome is Outcome.POSTED


def dedupe_key(digest_id: int, fire_time: datetime) -> str:
    """The outbox key of a digest firing: ``digest:<id>:<fire time, ISO, UTC>``."""
    return f"digest:{digest_id}:{fire_time.astimezone(UTC).isoformat()}"


def digest_options(settings: Settings) -> DigestOptions:
    """The digest thresholds configured in app.yaml."""
    return DigestOptions(
        not_verified_days=settings.not_verified_days, claim_days=settings.claim_warning_days
    )


def _spec(db: Database, digest_id: int) -> DigestSpec | None:
    with db.uow() as uow:
        row = uow.digests.get(digest_id)
        return None if row is None or not row.enabled else DigestSpec.of(row)


def _already_ran(db: Database, digest_id: int, fire_time: datetime) -> bool:
    with db.uow() as uow:
        return uow.digests.run(digest_id, fire_time) is not None


def fire_digest(
    db: Database,
    service: OnboardingService,
    clock: Clock,
    digest_id: int,
    fire_time: datetime,
    *,
    locale: str = DEFAULT_LOCALE,
    options: DigestOptions | None = None,
    grace: timedelta | None = None,
    post: bool = True,
    on_built: Callable[[float], None] | None = None,
    chart_dir: Path | None = None,
    access: AccessPolicy | None = None,
) -> DigestResult:
    """Post digest ``digest_id`` for ``fire_time`` at most once, however often this is called.

    With ``grace``, a firing more than ``grace`` in the past is skipped; with ``post=False`` the
    digest is only computed and rendered (nothing is recorded). It is worded in its space's
    language (``language cs`` there), else in ``locale``. Error text is shown only when
    ``access`` says everyone reading the space may run ``error <user>`` (without ``access``: never).
    """
    fire_time = fire_time.astimezone(UTC)
    now = clock.now()
    spec = _spec(db, digest_id)
    if spec is None:
        return DigestResult(digest_id, fire_time, Outcome.DISABLED)
    if grace is not None and now - fire_time > grace:
        log.warning("digest %s at %s missed by %s; skipped", digest_id, fire_time, now - fire_time)
        return DigestResult(digest_id, fire_time, Outcome.MISSED)
    if post and _already_ran(db, digest_id, fire_time):
        return DigestResult(digest_id, fire_time, Outcome.DUPLICATE)
    with db.uow() as uow:
        locale = uow.languages.get(LanguageScope.SPACE, spec.space_id) or locale
    started = time.perf_counter()
    report = report_for(service, spec, fire_time, options=options)
    # Posted into a space, the digest has no asker: its readers decide (AccessPolicy.space_role).
    audience = None if access is None else access.space_role(spec.space_id)
    error_text = audience_may_read_error_text(audience)
    view = DigestView(report, fire_time, spec.timezone, spec.id, error_text=error_text)
    markdown, card = digest_markdown(view, locale), digest_card(view, locale)
    if on_built is not None:
        on_built(time.perf_counter() - started)
    if not post:
        return DigestResult(digest_id, fire_time, Outcome.PREVIEW, markdown, card, report)
    send = should_post(spec, report)
    chart = digest_chart(service, chart_dir, locale) if send and chart_dir is not None else None
    with db.uow() as uow:
        run_id = record_run(uow.session, spec, fire_time, report, posted=send, now=now)
        if run_id is None:
            return DigestResult(digest_id, fire_time, Outcome.DUPLICATE)
        if send:
            message = OutgoingMessage(room_id=spec.space_id, markdown=markdown, card=card)
            uow.outbox.enqueue(message, dedupe_key=dedupe_key(digest_id, fire_time), now=now)
            if chart is not None:  # Webex allows one file per message: the chart comes next
                drawn = OutgoingMessage(room_id=spec.space_id, file_path=str(chart))
                uow.outbox.enqueue(
                    drawn, dedupe_key=dedupe_key(digest_id, fire_time) + ":chart", now=now
                )
        uow.commit()
    outcome = Outcome.POSTED if send else Outcome.QUIET
    log.info("digest %s at %s: %s", digest_id, fire_time.isoformat(), outcome.value)
    return DigestResult(digest_id, fire_time, outcome, markdown, card, report)


def digest_chart(service: OnboardingService, directory: Path, locale: str) -> Path | None:
    """The 14-day trend chart a digest attaches; None (logged) when it cannot be drawn."""
    try:
        return chart_png(build_trend(service, days=DEFAULT_DAYS), directory, locale)
    except Exception:
        log.exception("digest trend chart not drawn; the digest goes without it")
        return None


def fire_due_digest(
    db: Database,
    service: OnboardingService,
    clock: Clock,
    digest_id: int,
    *,
    grace: timedelta = DEFAULT_GRACE,
    locale: str = DEFAULT_LOCALE,
    options: DigestOptions | None = None,
    on_built: Callable[[float], None] | None = None,
    chart_dir: Path | None = None,
    access: AccessPolicy | None = None,
) -> DigestResult | None:
    """Post the digest's latest firing at or before now, if within ``grace``; what cron jobs run.

    The fire time comes from the digest's own cron trigger, so every process that runs this for
    the same firing derives the same time, and so the same unique key.
    """
    spec = _spec(db, digest_id)
    now = clock.now()
    if spec is None:
        return DigestResult(digest_id, now, Outcome.DISABLED)
    fire_time = latest_fire_time(spec.cron, spec.timezone, now, within=grace)
    if fire_time is None:
        return None
    return fire_digest(
        db,
        service,
        clock,
        digest_id,
        fire_time,
        locale=locale,
        options=options,
        grace=grace,
        on_built=on_built,
        chart_dir=chart_dir,
        access=access,
    )


def run_digest(
    bot: Bot, digest_id: int, *, fire_time: datetime | None = None, post: bool = True
) -> DigestResult:
    """Compute digest ``digest_id`` now (or for ``fire_time``) and post it unless ``post=False``.

    For ``onboard-bot digest run <id>``: the result carries the markdown to print. Posting for a
    fire time that already ran posts nothing (``Outcome.DUPLICATE``).
    """
    when = fire_time or bot.clock.now().astimezone(UTC).replace(microsecond=0)
    return fire_digest(
        bot.db,
        bot.service,
        bot.clock,
        digest_id,
        when,
        locale=bot.settings.locale,
        options=digest_options(bot.settings),
        post=post,
        on_built=digest_timer(bot),
        chart_dir=bot.files_dir if post else None,
        access=bot.access,
    )


def digest_timer(bot: Bot) -> Callable[[float], None] | None:
    """Where a digest's build time goes: the serving process's metrics, when there are some."""
    return bot.digest_built


# --- digests from app.yaml -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What syncing app.yaml's digests changed: ids added, kept (or re-enabled) and disabled."""

    added: tuple[int, ...]
    kept: tuple[int, ...]
    disabled: tuple[int, ...]


def _config_key(space: str, cron: str, timezone: str, content: str, quiet: bool) -> tuple[Any, ...]:
    return (space, " ".join(cron.split()), timezone, content, quiet)


def sync_configured_digests(
    db: Database, settings_digests: Sequence[DigestSettings], now: datetime
) -> SyncResult:
    """Make the ``config`` digests in the database match app.yaml's ``digests``.

    A digest whose definition is unchanged keeps its id (and so its history and its "previous
    digest"); one no longer in app.yaml is disabled, not deleted, so its runs stay; a new one is
    added. Chat-defined digests are left alone. Safe to call at every start.
    """
    wanted: dict[tuple[Any, ...], None] = {}
    for i, item in enumerate(settings_digests):
        try:
            cron = parse_schedule(item.schedule)
        except InvalidInput as exc:
            raise ConfigError(f"digests.{i}.schedule: {exc.message()}") from None
        wanted[_config_key(item.space, cron, item.timezone, item.content, item.quiet)] = None
    added: list[int] = []
    kept: list[int] = []
    disabled: list[int] = []
    with db.uow() as uow:
        repo = uow.digests
        # Enabled rows first, so a definition that is already live keeps its id.
        rows = sorted(repo.by_source(Source.CONFIG.value), key=lambda r: (not r.enabled, r.id))
        for row in rows:
            key = _config_key(row.space_id, row.cron, row.timezone, row.content, row.quiet)
            if key in wanted:
                del wanted[key]
                row.enabled = True
                kept.append(row.id)
            elif row.enabled:
                row.enabled = False
                disabled.append(row.id)
        for space, cron, timezone, content, quiet in wanted:
            row = repo.add(
                DigestRow(
                    space_id=space,
                    cron=cron,
                    timezone=timezone,
                    content=Content(content).value,
                    quiet=quiet,
                    source=Source.CONFIG.value,
                    created_by=None,
                    created_at=now,
                    enabled=True,
                )
            )
            added.append(row.id)
        uow.commit()
    return SyncResult(tuple(added), tuple(sorted(kept)), tuple(disabled))
