"""``onboard-bot serve``: the webhook server (waitress) plus the worker and sender threads."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click

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
    from bot.runtime import Runtime
    from bot.web import create_app
    from bot.webex import WebexGateway

    settings = settings_from(ctx)
    if settings.local_mode:
        fail(
            "WEBEX_BOT_TOKEN is not set. Local mode (the built-in Webex stand-in) is started "
            "by `make run`; to talk to Webex, set WEBEX_BOT_TOKEN and WEBEX_WEBHOOK_SECRET."
        )
    bot = bot_from(ctx)
    runtime = Runtime(bot, WebexGateway.from_settings(settings)).start()
    app = create_app(bot, runtime=runtime)
    server = create_server(
        app,
        host=host or settings.host,
        port=settings.port if port is None else port,
        threads=threads,
        ident="onboard-bot",
    )
    stopped = threading.Event()

    def shut_down(signum: int, frame: FrameType | None) -> None:
        if not stopped.is_set():
            stopped.set()
            log.info("stopping on signal %d", signum)
            server.close()

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)
    click.echo(f"onboard-bot listening on http://{server.effective_host}:{server.effective_port}")
    try:
        server.run()
    except (OSError, ValueError):
        if not stopped.is_set():
            raise
    finally:
        runtime.stop()
        bot.db.dispose()
