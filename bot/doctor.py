"""``onboard-bot doctor``: check a deployment and say, one line each, what is wrong and the fix.

Every check reads and probes; none changes anything (no migration, no webhook, no post). The
admin credential's scopes are probed with requests that cannot change data: a list with
``max=1``, a precheck without an email (refused as bad input once the scope allows it), the
status of a job that does not exist (404 once the scope allows it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

import requests
import sqlalchemy as sa

from bot.settings import ConfigError, Origins, Settings, load_settings_with_origins
from onboarding.clock import Clock, SystemClock
from storage.uow import Database

#: Where the websocket intake starts (webex-facts.md §9): the service catalog.
CATALOG_URL = "https://u2c.wbx2.com/u2c/api/v1/catalog?format=hostmap"
#: A reply or an event waiting longer than this is a stuck pipeline, not a busy one.
STUCK_AFTER = timedelta(minutes=10)
PROBE_TIMEOUT = 10.0


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


# -- Webex: the bot -----------------------------------------------------------------------------


def check_bot_token(settings: Settings) -> Check:
    """Webex accepts the bot token; who the bot is."""
    from bot.webex import WebexGateway, WebexRejected, WebexUnavailable

    if settings.local_mode:
        return Check(
            "bot token",
            True,
            "WEBEX_BOT_TOKEN is not set: serve runs in local mode with the built-in stand-in",
        )
    gateway = WebexGateway.from_settings(settings, timeout=int(PROBE_TIMEOUT))
    try:
        me = gateway.me()
    except WebexRejected as exc:
        fix = "set WEBEX_BOT_TOKEN to the bot's token (developer.webex.com → My Webex Apps)"
        return Check("bot token", False, f"Webex refused it: {exc}", fix)
    except WebexUnavailable as exc:
        fix = f"check that this host reaches {settings.webex.api_url} (proxy, firewall, DNS)"
        return Check("bot token", False, f"Webex unreachable: {exc}", fix)
    return Check("bot token", True, f"valid: the bot is {me.display_name} <{me.email}>")


def check_intake(settings: Settings, catalog_url: str = CATALOG_URL) -> list[Check]:
    """The webhooks (registered, active, at public_url, secret set) or the websocket's catalog."""
    from bot.webex import WebexError, WebexGateway
    from bot.webhooks_admin import target_url_from, webhook_problems

    if settings.local_mode:
        return []
    intake = str(getattr(settings.webex, "intake", "webhook"))
    if intake == "websocket":
        return [check_websocket_catalog(settings, catalog_url)]
    checks: list[Check] = []
    if settings.webex.webhook_secret is None:
        fix = "set WEBEX_WEBHOOK_SECRET (any long random string), then `onboard-bot webhooks sync`"
        checks.append(Check("webhook secret", False, "not set: every webhook is refused", fix))
    else:
        checks.append(Check("webhook secret", True, "set"))
    public = settings.webex.public_url
    if public is None:
        fix = "set ONBOARD_WEBEX__PUBLIC_URL (or webex.public_url) to the bot's HTTPS address"
        checks.append(Check("webhooks", False, "webex.public_url is not set", fix))
        return checks
    target = target_url_from(public)
    try:
        hooks = WebexGateway.from_settings(settings, timeout=int(PROBE_TIMEOUT)).webhooks()
    except WebexError as exc:
        checks.append(Check("webhooks", False, f"cannot list them: {exc}", "see the bot token"))
        return checks
    problems = webhook_problems(hooks, target_url=target)
    if problems:
        fix = "run `onboard-bot webhooks sync` (creates, repairs and reactivates them)"
        checks.append(Check("webhooks", False, "; ".join(problems), fix))
    else:
        checks.append(Check("webhooks", True, f"both registered, active, pointing at {target}"))
    return checks


def check_websocket_catalog(settings: Settings, catalog_url: str = CATALOG_URL) -> Check:
    """The websocket intake's first step answers: the service catalog, with the device service."""
    token = settings.webex.bot_token
    assert token is not None  # not in local mode
    try:
        response = requests.get(
            catalog_url,
            headers={"Authorization": f"Bearer {token.get_secret_value()}"},
            timeout=PROBE_TIMEOUT,
        )
    except requests.RequestException as exc:
        fix = f"check that this host reaches {catalog_url.split('?')[0]} (proxy, firewall)"
        return Check("websocket", False, f"the catalog is unreachable: {type(exc).__name__}", fix)
    try:
        body = response.json() if response.status_code == 200 else {}
    except ValueError:
        body = {}
    links = body.get("serviceLinks") if isinstance(body, dict) else None
    wdm = links.get("wdm") if isinstance(links, dict) else None
    if response.status_code == 200 and wdm:
        return Check("websocket", True, f"the catalog answers; devices at {wdm}")
    fix = "check WEBEX_BOT_TOKEN; or use webex.intake: webhook with a public URL"
    detail = f"the catalog answered HTTP {response.status_code} without the device service"
    return Check("websocket", False, detail, fix)


# -- Webex: the admin credential ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Family:
    """Commands that need one scope, and a request that shows whether the token has it."""

    label: str
    commands: str
    scope: str
    control_hub: bool
    probe: Callable[[Any, str], None]  # (WebexHttp, org id) -> None, raising when refused


def _bw_read(http: Any, org: str) -> None:
    from onboarding.providers.webex_http import SCOPE_BW_READ

    http.call("GET", "broadworks/subscribers", scope=SCOPE_BW_READ, params={"max": "1"})


def _bw_write(http: Any, org: str) -> None:
    from onboarding.providers.webex_http import SCOPE_BW_WRITE

    # A precheck without an email: refused as bad input (400) once the scope allows the call.
    http.call("POST", "broadworks/subscribers/validate", scope=SCOPE_BW_WRITE, json={})


def _people_read(http: Any, org: str) -> None:
    from onboarding.providers.webex_http import SCOPE_PEOPLE_READ

    http.call("GET", "people", scope=SCOPE_PEOPLE_READ, params={"max": "1"})


def _people_write(http: Any, org: str) -> None:
    from onboarding.providers.webex_http import SCOPE_PEOPLE_WRITE

    # The status of a job that does not exist: 404 once the scope allows the call.
    path = f"identity/organizations/{org}/jobs/sendActivationEmails/onboard-doctor/status"
    http.call("GET", path, scope=SCOPE_PEOPLE_WRITE)


def _scim_read(http: Any, org: str) -> None:
    from onboarding.providers.webex_controlhub import org_uuid
    from onboarding.providers.webex_http import SCOPE_IDENTITY_READ

    path = f"identity/scim/{org_uuid(org)}/v2/Users"
    http.call("GET", path, scope=SCOPE_IDENTITY_READ, params={"count": "1"})


FAMILIES = (
    Family(
        "BroadWorks read",
        "status, error, export, templates",
        "spark-admin:broadworks_subscribers_read",
        False,
        _bw_read,
    ),
    Family(
        "BroadWorks write",
        "retry, delete, package",
        "spark-admin:broadworks_subscribers_write",
        False,
        _bw_write,
    ),
    Family("People read", "state, states, stuck", "spark-admin:people_read", True, _people_read),
    Family("People write", "resend", "spark-admin:people_write", True, _people_write),
    Family("SCIM", "state (account status)", "identity:people_read", True, _scim_read),
)


def check_admin(settings: Settings, database: Database | None, clock: Clock) -> list[Check]:
    """The admin credential's scopes against what each command family needs."""
    if settings.provider != "webex":
        return [Check("admin credential", True, "not needed with the sandbox provider")]
    if database is None:
        fix = "fix the database first (the credential's state is kept there)"
        return [Check("admin credential", False, "not checked", fix)]
    from onboarding.errors import OnboardingError, ProviderPermission, ProviderUnavailable
    from onboarding.providers.webex import WebexProvider
    from onboarding.providers.webex_http import ApiError, RetryPolicy

    policy = RetryPolicy(max_wait=2.0, max_attempts=1, timeout=PROBE_TIMEOUT)
    provider = WebexProvider.from_settings(settings, database, clock, policy=policy)
    http = provider.http
    org = ""
    if settings.webex.control_hub:
        try:
            org = provider.org_id()
        except OnboardingError:
            org = ""  # the People read line below says why
    checks: list[Check] = []
    for family in FAMILIES:
        name = f"scope {family.label}"
        if family.control_hub and not settings.webex.control_hub:
            checks.append(Check(name, True, "not used (webex.control_hub is false)"))
            continue
        if family.control_hub and not org and family.probe is not _people_read:
            fix = "grant spark-admin:people_read, or set webex.org_id"
            checks.append(Check(name, False, "not checked: the org id is unknown", fix))
            continue
        try:
            family.probe(http, org)
        except ProviderPermission as exc:
            status = exc.params.get("status")
            if status == 401:
                fix = _credential_fix(settings)
                detail = f"the credential is refused (HTTP 401: {exc.params.get('detail')})"
                return [*checks, Check("admin credential", False, detail, fix)]
            fix = f"add {family.scope} to the integration and authorize it again"
            detail = f"missing {family.scope}: {family.commands} will be refused"
            checks.append(Check(name, False, detail, fix))
            continue
        except ProviderUnavailable as exc:
            fix = f"check that this host reaches {settings.webex.api_url}"
            checks.append(Check(name, False, f"Webex unreachable: {exc.message()}", fix))
            continue
        except ApiError:
            pass  # refused as bad input or not found: the scope let the request through
        checks.append(Check(name, True, f"granted ({family.commands})"))
    return checks


def _credential_fix(settings: Settings) -> str:
    if settings.oauth is not None:
        return "authorize the integration again and set the new WEBEX_REFRESH_TOKEN"
    return "set WEBEX_ADMIN_TOKEN to a valid admin token (personal tokens last 12 hours)"


def check_refresh_token(settings: Settings, database: Database | None, clock: Clock) -> Check:
    """How long the OAuth refresh token has left (warned at 14 and 3 days)."""
    name = "refresh token"
    if settings.provider != "webex":
        return Check(name, True, "not needed with the sandbox provider")
    if settings.oauth is None:
        return Check(
            name,
            True,
            "none: a static WEBEX_ADMIN_TOKEN (personal ones last 12 hours; use an oauth "
            "integration for running)",
        )
    if database is None:
        return Check(name, False, "not checked", "fix the database first")
    from bot.expiry import expiry_of
    from onboarding.errors import OnboardingError
    from onboarding.providers.webex_auth import OAuthTokenSource

    source = OAuthTokenSource(
        database,
        clock,
        client_id=settings.oauth.client_id,
        client_secret=settings.oauth.client_secret.get_secret_value(),
        refresh_token=settings.oauth.refresh_token.get_secret_value(),
        token_url=settings.webex.api_url.rstrip("/") + "/access_token",
        timeout=PROBE_TIMEOUT,
    )
    try:
        source.token()  # refreshes only when the stored access token is about to expire
    except OnboardingError as exc:
        fix = "authorize the integration again and set the new WEBEX_REFRESH_TOKEN"
        return Check(name, False, f"Webex refused the refresh: {exc.message()}", fix)
    expiry = expiry_of(source, clock.now())
    if expiry is None:
        return Check(name, True, "valid; Webex did not say when it expires")
    date = expiry.expires_at.strftime("%Y-%m-%d")
    if expiry.threshold is not None:
        fix = "authorize the integration again as the partner admin; set the new refresh token"
        detail = f"expires in {max(0, expiry.days_left)} days ({date})"
        return Check(name, False, detail, fix)
    return Check(name, True, f"expires in {expiry.days_left} days ({date})")


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
    from storage.backlog import BacklogRepository

    if database is None:
        return Check("backlog", False, "not checked", "fix the database first")
    now = clock.now()
    with database.uow() as uow:
        backlog = BacklogRepository(uow.session)
        replies = uow.outbox.by_status()
        events = uow.events.by_status()
        oldest_reply = backlog.oldest_undelivered()
        oldest_event = backlog.oldest_pending_event()
    waiting_replies = replies.get("pending", 0)
    waiting_events = events.get("pending", 0)
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
    catalog_url: str = CATALOG_URL,
) -> Report:
    """Every check, in the order an operator fixes things."""
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
