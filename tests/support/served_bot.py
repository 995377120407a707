"""The bot served over real loopback HTTP, talking to the Webex emulator through the real SDK.

``serving_bot(webex, database, ...)`` builds the bot on a test database, starts its worker and
sender threads, serves ``create_app`` with werkzeug's threaded server on a free port and registers
its two webhooks on the emulator with ``webhooks sync``'s code. The e2e test modules use it; this
module holds no tests of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
import sqlalchemy as sa
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from bot.bootstrap import Bot, build_bot
from bot.delivery import RetryPolicy
from bot.local.emulator import sign
from bot.metrics import Metrics
from bot.runtime import Runtime
from bot.settings import AccessSettings, SandboxSettings, Settings, WebexSettings
from bot.web import create_app
from bot.webex import WebexGateway
from bot.webhooks_admin import sync_webhooks
from storage.models import AuditEntryRow, OutboxRow, SubscriberRow, WebhookEventRow
from storage.uow import Database
from tests.support.emulator import BOT_TOKEN, EmulatorHarness, eventually

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

SECRET = "e2e-webhook-secret"
SUPPORT_EMAIL = "sam.support@example.com"
FAST_RETRY = RetryPolicy(base_delay=0.05, max_delay=0.2)


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


@dataclass
class ServedBot:
    """A running bot: its parts, its URL and helpers to look into its database."""

    bot: Bot
    runtime: Runtime
    url: str
    metrics: Metrics

    @property
    def webhook_url(self) -> str:
        """Where Webex posts events."""
        return self.url + "/webhooks/webex"

    def post_signed(self, body: bytes, *, secret: str = SECRET) -> requests.Response:
        """POST a body with its signature, as Webex would."""
        return requests.post(
            self.webhook_url,
            data=body,
            headers={"Content-Type": "application/json", "X-Spark-Signature": sign(secret, body)},
            timeout=5,
        )

    def rows(self, model: type[Any], *where: Any) -> list[Any]:
        """Rows of a table (optionally filtered)."""
        with self.bot.db.uow() as uow:
            return list(uow.session.scalars(sa.select(model).where(*where)))

    def audit(self, *where: Any) -> list[AuditEntryRow]:
        """Audit entries, oldest first."""
        return sorted(self.rows(AuditEntryRow, *where), key=lambda r: r.id)

    def events(self) -> list[WebhookEventRow]:
        """Recorded webhook events."""
        return self.rows(WebhookEventRow)

    def outbox(self) -> list[OutboxRow]:
        """Outbox rows."""
        return self.rows(OutboxRow)

    def wait_settled(self, delivered: int = 1) -> list[OutboxRow]:
        """Wait until ``delivered`` outbox rows are delivered and none is pending."""

        def settled() -> list[OutboxRow] | None:
            rows = self.outbox()
            done = [r for r in rows if r.status == "delivered"]
            pending = [r for r in rows if r.status in ("pending", "sending")]
            return rows if len(done) >= delivered and not pending else None

        result: list[OutboxRow] = eventually(settled)
        return result

    def provisioned_user(self, *, not_package: str = "premium") -> SubscriberRow:
        """A provisioned sandbox subscriber whose package is not ``not_package``."""
        rows = self.rows(
            SubscriberRow,
            SubscriberRow.status == "provisioned",
            SubscriberRow.package != not_package,
            SubscriberRow.email.is_not(None),
        )
        return sorted(rows, key=lambda r: r.id)[0]


def make_settings(
    webex: EmulatorHarness, tmp_path: Path, *, access: AccessSettings | None = None
) -> Settings:
    """Settings for a bot talking to the emulator, with the sandbox provider."""
    return Settings(
        webex=WebexSettings(
            bot_token=BOT_TOKEN, webhook_secret=SECRET, api_url=webex.api_url, intake="webhook"
        ),
        access=access,
        files_dir=tmp_path / "files",
        # Slow simulated steps: nothing changes under a test while it runs.
        sandbox=SandboxSettings(step_seconds=3600),
    )


@contextmanager
def serving_bot(
    webex: EmulatorHarness,
    database: Database,
    tmp_path: Path,
    *,
    access: AccessSettings | None = None,
    retry: RetryPolicy = FAST_RETRY,
    worker: bool = True,
    sender: bool = True,
    register: bool = True,
    identity: str | None = None,
    stale_after: timedelta = timedelta(seconds=5),
    workers: int = 4,
    timeout: int = 20,
) -> Iterator[ServedBot]:
    """Build, start and serve the bot; stop everything on exit."""
    settings = make_settings(webex, tmp_path, access=access)
    bot = build_bot(settings, db=database, migrate=False)
    gateway = WebexGateway.from_settings(settings, timeout=timeout)
    runtime = Runtime(
        bot,
        gateway,
        idle=0.2,
        retry=retry,
        event_retry=RetryPolicy(horizon=retry.horizon, base_delay=0.05, max_delay=0.2),
        identity=identity,
        stale_after=stale_after,
        workers=workers,
        senders=workers,
    ).start(worker=worker, sender=sender)
    try:
        with serving(create_app(bot, runtime=runtime), settle=webex.emulator.wait_idle) as url:
            served = ServedBot(bot, runtime, url, runtime.metrics)
            if register:
                sync_webhooks(gateway, target_url=served.webhook_url, secret=SECRET)
            yield served
    finally:
        runtime.stop()


@contextmanager
def serving(app: WSGIApplication, *, settle: Callable[[], None]) -> Iterator[str]:
    """Serve ``app`` on an ephemeral loopback port in a thread of its own; its base URL.

    On exit ``settle`` runs first (the emulator delivers what is under way while the bot still
    listens), then the server shuts down.
    """
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        try:
            settle()
        finally:
            server.shutdown()
            server.server_close()


def envelope(webex: EmulatorHarness, message_id: str) -> bytes:
    """The exact bytes the emulator delivered for a message (to replay them ourselves)."""
    for delivery in webex.emulator.deliveries():
        if delivery.envelope["data"]["id"] == message_id:
            return delivery.body
    raise AssertionError(f"no delivery for {message_id}")


def bodies(webex: EmulatorHarness, method: str, path_prefix: str) -> list[Any]:
    """Request bodies the bot sent (method and path prefix), in order."""
    return [
        e.body
        for e in webex.emulator.exchanges
        if e.method == method and e.path.startswith(path_prefix) and not e.injected
    ]
