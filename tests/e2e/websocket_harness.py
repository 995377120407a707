"""The bot with its websocket intake, over real sockets, against the stand-in and the real SDK.

``serving_websocket_bot(webex, database, tmp_path)`` builds the bot, starts its worker, sender
and websocket intake (``WebsocketIntake`` against the stand-in's catalog, WDM and socket), and
serves ``create_app`` on a free port for /readyz, /metrics and (when asked) webhooks too.

The ``ws_webex`` fixture is the emulator whose REST traffic must validate against
webex-messaging.json at the end. The service catalog (``/u2c/...``), WDM (``/wdm/...``) and the
conversation service's id lookup (``/conversation/...``) are not in Webex's public OpenAPI specs
(webex-facts.md §9), so those exchanges alone are left out of the check, by path.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.bootstrap import build_bot
from bot.delivery import RetryPolicy
from bot.intake_leader import leadership_for
from bot.intake_websocket import IntakeOptions, WebsocketIntake
from bot.runtime import Runtime
from bot.settings import AccessSettings, SandboxSettings, Settings, WebexSettings
from bot.wdm import DeviceRegistry
from bot.web import create_app
from bot.webex import WebexGateway
from bot.webhooks_admin import sync_webhooks
from storage.uow import Database
from tests.support.emulator import BOT_TOKEN, EmulatorHarness, eventually, running_emulator
from tests.support.served_bot import SECRET, ServedBot, serving
from tests.support.specs import check_exchanges

FAST = IntakeOptions(
    reconnect_base=0.05,
    reconnect_max=0.5,
    ping_interval=1.0,
    pong_timeout=2.0,
    open_timeout=3.0,
    lead_check=1.0,
    backfill_retry=0.2,
)
NOT_IN_PUBLIC_SPEC = ("/u2c/", "/wdm/", "/conversation/")


def not_in_public_spec(exchange: Any) -> bool:
    """Catalog and WDM calls: Webex publishes no OpenAPI for them, so nothing to check against."""
    return str(exchange.path).startswith(NOT_IN_PUBLIC_SPEC)


@pytest.fixture
def ws_webex() -> Iterator[EmulatorHarness]:
    """A running stand-in; every REST call the bot made must validate against the spec."""
    with running_emulator(check_spec=False) as harness:
        yield harness
    check_exchanges(
        harness.emulator.exchanges,
        "webex-messaging.json",
        ignore=lambda e: not_in_public_spec(e) or harness.is_exempt(e),
    )


@dataclass
class WebsocketBot(ServedBot):
    """A running bot with its websocket intake."""

    intake: WebsocketIntake | None = None

    def ready(self) -> requests.Response:
        """GET /readyz."""
        return requests.get(self.url + "/readyz", timeout=5)

    def wait_connected(self, *, reconnects: int = 0, timeout: float = 20.0) -> None:
        """Wait until the socket is ready (after at least ``reconnects`` reconnects) and the
        backfill that follows a connect is done: a message sent after this comes over the
        socket, not found by the backfill first."""
        intake = self.intake
        assert intake is not None
        status = intake.status
        eventually(
            lambda: (
                status.state == "connected"
                and status.reconnects >= reconnects
                and intake.backfill_idle
            ),
            timeout,
        )


@contextmanager
def serving_websocket_bot(
    webex: EmulatorHarness,
    database: Database,
    tmp_path: Path,
    *,
    access: AccessSettings | None = None,
    options: IntakeOptions = FAST,
    webhooks: bool = False,
    connect: bool = True,
    lead: bool = False,
) -> Iterator[WebsocketBot]:
    """Build and start the bot with the websocket intake; stop everything on exit.

    ``lead``: take the cross-process leadership of ``serve`` (else lead alone, as one process).
    """
    settings = Settings(
        webex=WebexSettings(
            bot_token=BOT_TOKEN,
            webhook_secret=SECRET if webhooks else None,
            api_url=webex.api_url,
            u2c_url=webex.server.u2c_url,
            intake="websocket",
        ),
        access=access,
        files_dir=tmp_path / "files",
        sandbox=SandboxSettings(step_seconds=3600),
    )
    bot = build_bot(settings, db=database, migrate=False)
    gateway = WebexGateway.from_settings(settings)
    runtime = Runtime(
        bot,
        gateway,
        idle=0.2,
        retry=RetryPolicy(base_delay=0.05, max_delay=0.2),
        event_retry=RetryPolicy(base_delay=0.05),
    )
    intake = WebsocketIntake(
        bot,
        gateway,
        DeviceRegistry(BOT_TOKEN, u2c_url=webex.server.u2c_url),
        metrics=runtime.metrics,
        on_event=runtime.wake_worker,
        options=options,
        leadership=leadership_for(bot, lease=timedelta(seconds=3)) if lead else None,
    )
    runtime.add_service(intake)
    runtime.start()
    app = create_app(bot, runtime=runtime, intake=intake, ready_cache_seconds=0)
    try:
        with serving(app, settle=webex.emulator.wait_idle) as url:
            served = WebsocketBot(bot, runtime, url, runtime.metrics, intake)
            if webhooks:
                sync_webhooks(gateway, target_url=served.webhook_url, secret=SECRET)
            if connect:
                served.wait_connected()
            yield served
    finally:
        runtime.stop()
