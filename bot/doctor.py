"""``onboard-bot doctor``: check a deployment and say, one line each, what is wrong and the fix.

Every check reads and probes; none changes anything (no migration, no webhook, no post). Here:
the report, the configuration, the database, the scheduler and the backlog; the checks that ask
Webex are in ``bot.doctor_webex``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from bot.settings import ConfigError, Origins, Settings, load_settings_with_origins
from onboarding.clock import Clock, SystemClock
from storage.journal import waiting_beside
from storage.uow import Database

#: A reply or an event waiting longer than this is a stuck pipeline, not a busy one.
STUCK_AFTER = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the report."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None

    def line(self) -> str:
        """``✔ name: detail`` or ``✖ name: detail → fix``."""
        mark = "✔" if self.ok else "✖"
        fix = f" → {self.fix}" if self.fix and not self.ok else ""
        return f"{mark} {self.name}: {self.detail}{fix}"


@dataclass
class Report:
    """All the checks, in order."""

    checks: list[Check]

    @property
    def ok(self) -> bool:
        """True when no check failed."""
        return all(c.ok for c in self.checks)

    def as_json(self) -> dict[str, Any]:
        """For ``--json``."""
        return {"ok": self.ok, "checks": [asdict(c) for c in self.checks]}


# -- configuration ------------------------------------------------------------------------------


def check_config(
    path: str | None, env: Mapping[str, str]
) -> tuple[Check, Settings | None, Origins | None]:
    """app.yaml and the environment: valid, and which keys came from where."""
    from bot.bootstrap import check_settings

    try:
        settings, origins = load_settings_with_origins(path, env=env)
        check_settings(settings)
    except ConfigError as exc:
        text = " / ".join(str(exc).splitlines())
        fix = "correct the key named here (app.yaml, or the variable named)"
        return Check("configuration", False, f"invalid: {text}", fix), None, None
    by_source: dict[str, list[str]] = {}
    for key, source in sorted(origins.by_key.items()):
        label = str(origins.config_path) if source.startswith("file") else source
        ref = source.removeprefix("file") if source.startswith("file (") else ""
        by_source.setdefault(label, []).append(".".join(key) + ref)
    where = "; ".join(f"{', '.join(keys)} from {src}" for src, keys in by_source.items())
    detail = f"valid ({settings.provider} provider); {where or 'every key at its default'}"
    return Check("configuration", True, detail), settings, origins


# -- database -----------------------------------------------------------------------------------


def check_database(settings: Settings) -> tuple[Check, Database | None]:
    """Reachable, and at the latest migration."""
    from alembic.script import ScriptDirectory

    from storage.db import alembic_config, current_revision

    try:
        database = Database.from_url(settings.database_url)
        with database.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        current = current_revision(database.engine)
    except Exception as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        fix = "check DATABASE_URL and that the database server is up and accepts this user"
        return Check("database", False, f"unreachable: {type(exc).__name__}: {reason}", fix), None
    heads = ScriptDirectory.from_config(alembic_config(database.engine)).get_heads()
    name = database.engine.url.render_as_string(hide_password=True)
    if current not in heads:
        found = "empty" if current is None else f"at migration {current}"
        fix = "run `onboard-bot db upgrade` (serve also migrates at start)"
        return Check("database", False, f"{name} is {found}, latest is {heads[0]}", fix), None
    detail = f"{name} reachable, at the latest migration ({current})"
    return Check("database", True, detail), database


# -- the process's own state ----------------------------------------------------------------------


def check_scheduler(database: Database | None, clock: Clock) -> Check:
    """Who leads the digest scheduler, and the next firings."""
    from bot.scheduler import LOCK_NAME
    from onboarding.digest import cron_trigger
    from storage.models import LockRow

    if database is None:
        return Check("scheduler", False, "not checked", "fix the database first")
    now = clock.now()
    with database.uow() as uow:
        digests = uow.digests.enabled()
        if database.is_sqlite:
            row = uow.session.get(LockRow, LOCK_NAME)
            leader = row.holder if row is not None and row.expires_at > now else None
        else:
            leader = _advisory_holder(uow.session)
    firings = []
    for digest in digests:
        at = cron_trigger(digest.cron, digest.timezone).get_next_fire_time(None, now)
        if at is not None:
            firings.append((at, digest.id))
    firings.sort()
    upcoming = ", ".join(f"digest {i} at {at:%Y-%m-%d %H:%M %Z}" for at, i in firings[:3])
    if leader is None and digests:
        fix = "start `onboard-bot serve`: digests fire only while a serve process leads"
        return Check("scheduler", False, f"no leader; {len(digests)} digest(s) waiting", fix)
    lead = f"led by {leader}" if leader else "no leader (no serve running)"
    return Check("scheduler", True, f"{lead}; next: {upcoming or 'no digests'}")


def _advisory_holder(session: Any) -> str | None:
    from bot.scheduler import ADVISORY_LOCK_ID

    row = session.execute(
        sa.text(
            "SELECT a.pid, a.client_addr, a.application_name FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
            "AND l.granted AND l.classid = :hi AND l.objid = :lo AND l.objsubid = 1 "
            # Advisory locks are per database: another database's leader is not ours.
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ),
        {"hi": ADVISORY_LOCK_ID >> 32, "lo": ADVISORY_LOCK_ID & 0xFFFFFFFF},
    ).first()
    if row is None:
        return None
    return f"PostgreSQL backend {row.pid} ({row.client_addr or 'local'})"


def check_backlog(database: Database | None, clock: Clock) -> Check:
    """Replies and events waiting: how many, and whether the oldest is stuck."""
    if database is None:
        return Check("backlog", False, "not checked", "fix the database first")
    now = clock.now()
    with database.uow() as uow:
        backlog = uow.backlog
        replies = uow.outbox.by_status()
        events = uow.events.by_status()
        oldest_reply = backlog.oldest_undelivered()
        oldest_event = backlog.oldest_pending_event()
        imported, token = uow.events.import_mark()
    # Acknowledged but still in serve's intake journal (a kill -9 leaves them to the next start).
    journaled, oldest_journaled = waiting_beside(database.engine, imported=imported, token=token)
    if oldest_journaled is not None and (oldest_event is None or oldest_journaled < oldest_event):
        oldest_event = oldest_journaled
    waiting_replies = replies.get("pending", 0)
    waiting_events = events.get("pending", 0) + journaled
    detail = (
        f"{waiting_replies} repl{'y' if waiting_replies == 1 else 'ies'} waiting "
        f"({replies.get('failed', 0)} given up), {waiting_events} event(s) waiting "
        f"({events.get('failed', 0)} given up)"
    )
    stuck = [
        f"the oldest {what} has waited {int((now - at).total_seconds() // 60)} min"
        for what, at in (("reply", oldest_reply), ("event", oldest_event))
        if at is not None and now - at > STUCK_AFTER
    ]
    if stuck:
        fix = "is serve running and Webex reachable? see its log and /healthz?full=1"
        return Check("backlog", False, f"{detail}; {'; '.join(stuck)}", fix)
    return Check("backlog", True, detail)


def run_doctor(
    path: str | None = None,
    *,
    env: Mapping[str, str],
    clock: Clock | None = None,
    catalog_url: str | None = None,
) -> Report:
    """Every check, in the order an operator fixes things."""
    from bot.doctor_webex import (
        check_admin,
        check_bot_token,
        check_intake,
        check_refresh_token,
    )

    clock = clock or SystemClock()
    config, settings, _ = check_config(path, env)
    checks = [config]
    if settings is None:
        return Report(checks)
    db_check, database = check_database(settings)
    checks.append(db_check)
    try:
        checks.append(check_bot_token(settings))
        checks += check_admin(settings, database, clock)
        checks.append(check_refresh_token(settings, database, clock))
        checks += check_intake(settings, catalog_url)
        checks.append(check_scheduler(database, clock))
        checks.append(check_backlog(database, clock))
    finally:
        if database is not None:
            database.dispose()
    return Report(checks)
