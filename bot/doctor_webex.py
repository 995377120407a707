"""The doctor's checks that ask Webex: bot token, intake, admin scopes, refresh token.

The admin credential's scopes are probed with requests that cannot change data: a list with
``max=1``, a precheck without an email (refused as bad input once the scope allows it), the
status of a job that does not exist (404 once the scope allows it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from bot.doctor import Check
from bot.settings import Settings
from onboarding.clock import Clock
from storage.uow import Database


def catalog_url_of(settings: Settings) -> str:
    """Where the websocket intake starts (webex-facts.md §9): the configured service catalog."""
    return f"{settings.webex.u2c_url}/catalog?format=hostmap"


PROBE_TIMEOUT = 10.0


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


def check_intake(settings: Settings, catalog_url: str | None = None) -> list[Check]:
    """The webhooks (registered, active, at public_url, secret set) or the websocket's catalog."""
    from bot.webex import WebexError, WebexGateway
    from bot.webhooks_admin import target_url_from, webhook_problems

    if settings.local_mode:
        return []
    intake = settings.webex.intake_mode
    if intake == "websocket":
        return [check_websocket_catalog(settings, catalog_url or catalog_url_of(settings))]
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


def check_websocket_catalog(settings: Settings, catalog_url: str | None = None) -> Check:
    """The websocket intake's first step answers: the service catalog, with the device service."""
    catalog_url = catalog_url or catalog_url_of(settings)
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
