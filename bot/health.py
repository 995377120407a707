"""What /readyz, /healthz?full=1 and the store gauges of /metrics report.

Readiness is about *this process*: can it reach its database, and can its intake take events
(for webhooks: it has the secret to verify them; a service such as a websocket intake adds its
own ``problems()``). Webex being reachable is deliberately not part of it: an outage of Webex is
the same for every replica, and a load balancer that took them all out of rotation would refuse
the very webhooks Webex retries. Webex reachability, the bot token, the webhooks and the admin
credential are probed in the background (``WebexProbe``) and shown by ``/healthz?full=1`` and the
``onboard_webex_*`` gauges.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from bot.background_loop import Periodic
from bot.bootstrap import Bot
from bot.metrics import Metrics, StoreFigures
from bot.webex import WebexError, WebexGateway, WebexUnavailable
from bot.webhooks_admin import target_url_from, webhook_problems
from storage.journal import waiting_beside

if TYPE_CHECKING:
    from onboarding.providers.webex_http import WebexHttp

log = logging.getLogger(__name__)

PROBE_SECONDS = 30.0
SNAPSHOT_STATE = "webex.subscribers.sync"  # onboarding.providers.webex_sync.SUBSCRIBERS_STATE


def readiness(bot: Bot, services: list[Any]) -> tuple[dict[str, Any], list[str]]:
    """The readiness checks and the problems found (none: ready); a service with a
    ``problems()`` method (an intake) adds what it says is wrong."""
    checks: dict[str, Any] = {}
    problems: list[str] = []
    try:
        with bot.db.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        problems.append(f"database: {type(exc).__name__}")
        checks["database"] = "unreachable"
    intake: list[str] = []
    if intake_of(bot) == "webhook" and bot.settings.webex.webhook_secret is None:
        intake.append("webhook secret: WEBEX_WEBHOOK_SECRET is not set")
    for service in services:
        report = getattr(service, "problems", None)
        if callable(report):
            intake += report()
    checks["intake"] = "ok" if not intake else "failing"
    return checks, problems + intake


def intake_of(bot: Bot) -> str:
    """``webhook`` or ``websocket``: the intake in use (``webex.intake``, or its default)."""
    return bot.settings.webex.intake_mode


def store_figures(bot: Bot) -> StoreFigures:
    """The outbox and event figures of the gauges, in one read; raises when the read fails."""
    now = bot.clock.now()
    with bot.db.uow() as uow:
        backlog = uow.backlog
        oldest = backlog.oldest_undelivered()
        snapshot = uow.sync_state.get(SNAPSHOT_STATE) or {}
        imported, token = uow.events.import_mark()
        journaled, _ = waiting_beside(bot.db.engine, imported=imported, token=token)
        return StoreFigures(
            outbox_depth=uow.outbox.depth(),
            event_backlog=uow.events.pending_count() + journaled,
            oldest_undelivered_seconds=None if oldest is None else (now - oldest).total_seconds(),
            snapshot_age_seconds=_age(snapshot.get("last_complete_at"), now),
        )


def _age(stamp: object, now: datetime) -> float | None:
    if not isinstance(stamp, str):
        return None
    try:
        return max(0.0, (now - datetime.fromisoformat(stamp)).total_seconds())
    except ValueError:
        return None


@dataclass
class WebexStatus:
    """The last probe of Webex."""

    checked_at: float = float("-inf")  # monotonic
    reachable: bool | None = None
    bot_token: str = "not checked"
    bot: str | None = None
    webhooks: list[str] = field(default_factory=list)
    admin_token: str = "not configured"

    def as_json(self) -> dict[str, Any]:
        """The body of ``/healthz?full=1``'s ``webex`` part."""
        return {
            "checked_seconds_ago": None
            if self.checked_at == float("-inf")
            else round(max(0.0, time.monotonic() - self.checked_at), 1),
            "reachable": self.reachable,
            "bot_token": self.bot_token,
            "bot": self.bot,
            "webhooks": self.webhooks or "ok",
            "admin_token": self.admin_token,
        }


class WebexProbe:
    """Probes Webex every ``interval`` seconds in a thread of its own, and sets the gauges."""

    def __init__(
        self,
        bot: Bot,
        gateway: WebexGateway,
        metrics: Metrics,
        *,
        interval: float = PROBE_SECONDS,
        admin: WebexHttp | None = None,
    ) -> None:
        self.bot = bot
        self.gateway = gateway
        self.metrics = metrics
        self.interval = interval
        self.admin = _quick(admin) if admin is not None else None
        self.status = WebexStatus()
        self._lock = threading.Lock()
        self._every = Periodic("webex-probe", self.check, "the Webex probe failed")

    def start(self) -> None:
        """Probe now and then every ``interval`` seconds."""
        self._every.start(self.interval)

    def stop(self) -> None:
        """Stop probing."""
        self._every.stop()

    def latest(self, max_age: float) -> WebexStatus:
        """The last probe; probing now only without a background thread, or when the last one
        is older than ``max_age`` (a hung Webex call in the thread must not hang /healthz)."""
        with self._lock:
            status = self.status
        age = time.monotonic() - status.checked_at
        running = self._every.running
        if age < max_age or (running and status.checked_at != float("-inf")):
            return status
        return self.check()

    def check(self) -> WebexStatus:
        """Probe the bot token, our webhooks and the admin credential now."""
        status = WebexStatus()
        try:
            me = self.gateway.me()
            status.reachable = True
            status.bot_token = "ok"
            status.bot = f"{me.display_name} <{me.email}>"
        except WebexUnavailable as exc:
            status.reachable = False
            status.bot_token = f"unknown: Webex unreachable ({exc})"
        except WebexError as exc:
            status.reachable = True
            status.bot_token = f"refused: {exc}"
        if status.reachable and intake_of(self.bot) == "webhook":
            public = self.bot.settings.webex.public_url
            try:
                status.webhooks = webhook_problems(
                    self.gateway.webhooks(), target_url=target_url_from(public) if public else None
                )
            except WebexError as exc:
                status.webhooks = [f"webhooks: {exc}"]
        if self.admin is not None:
            status.admin_token = admin_token_status(self.admin)
        status.checked_at = time.monotonic()
        m = self.metrics
        m.webex_reachable.set(1 if status.reachable else 0)
        m.bot_token_valid.set(1 if status.bot_token == "ok" else 0)
        if self.admin is not None:
            m.admin_token_valid.set(1 if status.admin_token == "ok" else 0)
        m.webex_probe_timestamp.set(time.time())
        with self._lock:
            self.status = status
        if not status.reachable:
            log.warning("Webex is unreachable: %s", status.bot_token)
        return status


def _quick(http: WebexHttp) -> WebexHttp:
    """The same API and credential, with one short try: a probe reports, it does not wait."""
    from onboarding.providers.webex_http import RetryPolicy, WebexHttp

    policy = RetryPolicy(max_wait=2.0, max_attempts=1, timeout=10.0)
    quick = WebexHttp(http.api_url, http.tokens, policy=policy)
    quick.on_call = http.on_call
    return quick


def admin_token_status(http: WebexHttp) -> str:
    """``ok`` when the admin credential can read one subscriber, else what went wrong."""
    from onboarding.errors import ProviderPermission, ProviderUnavailable
    from onboarding.providers.webex_http import SCOPE_BW_READ, ApiError

    try:
        http.call("GET", "broadworks/subscribers", scope=SCOPE_BW_READ, params={"max": "1"})
    except ProviderPermission as exc:
        return f"refused: HTTP {exc.params.get('status')} {exc.params.get('detail', '')}".strip()
    except ProviderUnavailable as exc:
        return f"unknown: Webex unreachable ({exc.params.get('detail', exc.key)})"
    except ApiError as exc:
        return f"refused: HTTP {exc.status} {exc.description}"
    return "ok"
