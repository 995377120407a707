"""``onboard-bot serve``: the webhook server (waitress) plus the worker and sender threads."""

from __future__ import annotations

import logging
import secrets
import signal
import socket
import threading
from types import FrameType
from typing import TYPE_CHECKING

import click
from pydantic import SecretStr

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.local.admin_api_state import AdminApiState

log = logging.getLogger(__name__)


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: app.yaml host).")
@click.option("--port", type=int, default=None, help="Port to listen on (default: app.yaml port).")
@click.option("--threads", type=click.IntRange(min=1), default=8, show_default=True)
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, threads: int) -> None:
    """Serve Webex webhooks, deliver replies, run the background jobs."""
    from waitress.server import create_server

    from bot.cli import bot_from, fail, settings_from
    from bot.runtime import Runtime, process_identity
    from bot.scheduler import DigestScheduler
    from bot.server_drain import Drain
    from bot.web import create_app
    from bot.webex import WebexGateway

    settings = settings_from(ctx)
    local = None
    if settings.local_mode:
        local = start_local_webex(settings)
        settings = local.settings
    elif settings.webex.webhook_secret is None:
        fail("WEBEX_WEBHOOK_SECRET is not set: webhooks cannot be verified without it")
    ctx.obj["settings"] = settings
    bot = bot_from(ctx)
    gateway = WebexGateway.from_settings(settings)
    listen_port = settings.port if port is None else port
    # A restart on the same host and port is the same instance: it takes back its claims at
    # once. On an ephemeral port (0) only an explicit engine.instance (ONBOARD_INSTANCE) does.
    instance = settings.engine.instance or (
        f"{socket.gethostname()}:{listen_port}" if listen_port else None
    )
    runtime = Runtime(bot, gateway, identity=process_identity(instance))
    # Every process runs a scheduler; only the one holding the leader lock fires digests.
    runtime.add_service(DigestScheduler(bot))
    app = create_app(bot, runtime=runtime)
    stopped = threading.Event()
    try:
        # Bind first: a port already in use must not leave worker threads or a scheduler lease.
        server = create_server(
            app,
            host=host or settings.host,
            port=listen_port,
            threads=threads,
            ident="onboard-bot",
        )
        drain = Drain(server)
        runtime.start()
        if local is not None:
            from bot.webhooks_admin import sync_webhooks

            target = f"http://127.0.0.1:{server.effective_port}/webhooks/webex"
            secret = settings.webex.webhook_secret
            assert secret is not None
            sync_webhooks(gateway, target_url=target, secret=secret.get_secret_value())
            click.echo(f"Local mode: open the console at {local.console_url}")

        def shut_down(signum: int, frame: FrameType | None) -> None:
            # Only flags: the serving loop itself closes its sockets (bot/server_drain.py).
            if not stopped.is_set():
                stopped.set()
                log.info("stopping on signal %d: no new connections, finishing in flight", signum)
                drain.begin()

        signal.signal(signal.SIGTERM, shut_down)
        signal.signal(signal.SIGINT, shut_down)
        host_port = f"{server.effective_host}:{server.effective_port}"
        click.echo(f"onboard-bot listening on http://{host_port}")
        server.run()
        server.task_dispatcher.shutdown()  # waits for the requests in flight
    finally:
        if runtime.started:
            runtime.stop()
            log.info("stopped")
        bot.db.dispose()
        if local is not None:
            local.stop()


class LocalWebex:
    """The built-in Webex stand-in with its demo people, and the settings that point at it."""

    def __init__(self, settings: Settings) -> None:
        from bot.local.demo import console_url, setup_local_world
        from bot.local.emulator import WebexEmulator

        self.emulator = WebexEmulator()
        self.world = setup_local_world(self.emulator)
        # With the real provider, the same server also stands in for the admin APIs.
        self.admin_token = f"local-admin-{secrets.token_urlsafe(24)}"
        self.admin = _admin_standin(self.admin_token) if settings.provider == "webex" else None
        self.server = self.emulator.start(host="127.0.0.1", port=0, admin=self.admin)
        self.console_url = console_url(self.server)
        update: dict[str, object] = {
            "bot_token": SecretStr(self.world.bot_token),
            "api_url": self.server.api_url,
            # A fresh secret per run: the stand-in signs with it, nothing else knows it.
            "webhook_secret": SecretStr(secrets.token_hex(16)),
        }
        top: dict[str, object] = {}
        if self.admin is not None:
            # The stand-in knows only its own token and org: a real one configured for
            # production (token, OAuth integration, org id) must not be sent to it.
            update.update(admin_token=SecretStr(self.admin_token), org_id=None)
            top["oauth"] = None
        webex = settings.webex.model_copy(update=update)
        # The demo people get the roles their names say, unless app.yaml names its own.
        access = settings.access or self.world.access_settings()
        self.settings = settings.model_copy(update={**top, "webex": webex, "access": access})

    def stop(self) -> None:
        """Stop the stand-in."""
        self.server.stop()
        self.emulator.close()


def _admin_standin(token: str) -> AdminApiState:
    from bot.local.admin_api import AdminApiState, seed_demo

    admin = AdminApiState()
    seed_demo(admin)
    admin.add_token(token)
    return admin


def start_local_webex(settings: Settings) -> LocalWebex:
    """Start the stand-in for local mode (no WEBEX_BOT_TOKEN)."""
    return LocalWebex(settings)
