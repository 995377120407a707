"""``onboard-bot serve``: the webhook server (waitress) plus the worker and sender threads."""

from __future__ import annotations

import functools
import logging
import secrets
import signal
import socket
import sys
import threading
from types import FrameType
from typing import TYPE_CHECKING

import click
from pydantic import SecretStr

from bot.settings import Settings

if TYPE_CHECKING:
    from bot.bootstrap import Bot
    from bot.local.admin_api_state import AdminApiState
    from bot.webex import WebexGateway
    from storage.journal import IntakeJournal

log = logging.getLogger(__name__)

#: Seconds a thread may hold the GIL while others wait (``sys.setswitchinterval``; default 0.005).
SWITCH_INTERVAL = 0.001


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: app.yaml host).")
@click.option("--port", type=int, default=None, help="Port to listen on (default: app.yaml port).")
@click.option("--threads", type=click.IntRange(min=1), default=8, show_default=True)
@click.option(
    "--console-port",
    type=click.IntRange(min=0, max=65535),
    default=None,
    help="Local mode: the console's port (default 8765, a free one when taken; 0: any).",
)
@click.pass_context
def serve(
    ctx: click.Context, host: str | None, port: int | None, threads: int, console_port: int | None
) -> None:
    """Serve Webex webhooks, deliver replies, run the background jobs."""
    from waitress.server import create_server

    from bot.bootstrap import freeze_loaded_objects
    from bot.cli import bot_from, fail, settings_from
    from bot.expiry import RefreshTokenWatch
    from bot.health import PROBE_SECONDS
    from bot.intake_websocket import websocket_intake
    from bot.metrics import Metrics
    from bot.runtime import Runtime, process_identity
    from bot.scheduler import DigestScheduler
    from bot.server_drain import Drain
    from bot.settings import default_worker_processes
    from bot.web import create_app
    from bot.webex import WebexGateway
    from bot.worker_process import WorkerProcess, WorkerProcesses
    from storage.journal import IntakeJournal

    # The webhook threads wait on I/O while the worker threads run Python: with the default 5 ms
    # GIL switch interval an acknowledgement waited up to 5 ms for the GIL after each socket or
    # SQLite call. At 1 ms the engine bench's ack p99 under 8 clients fell about 4x (and acks/s
    # rose 2x) for no measurable CPU per command.
    sys.setswitchinterval(SWITCH_INTERVAL)
    settings = settings_from(ctx)
    local = None
    websocket = settings.webex.intake_mode == "websocket"
    if settings.local_mode:
        local = start_local_webex(settings, console_port=console_port)
        if local.port_taken is not None:
            click.echo(
                f"Console port {local.port_taken} is taken; the console uses "
                f"{local.server.port} this time (--console-port chooses another)."
            )
        settings = local.settings
    elif not websocket and settings.webex.webhook_secret is None:
        fail("WEBEX_WEBHOOK_SECRET is not set: webhooks cannot be verified without it")
    ctx.obj["settings"] = settings
    bot = bot_from(ctx)
    log_configuration(ctx)
    gateway = WebexGateway.from_settings(settings)
    listen_port = settings.port if port is None else port
    # A restart on the same host and port is the same instance: it takes back its claims at
    # once. On an ephemeral port (0) only an explicit engine.instance (ONBOARD_INSTANCE) does.
    instance = settings.engine.instance or (
        f"{socket.gethostname()}:{listen_port}" if listen_port else None
    )

    def build_runtime(index: int = 0) -> Runtime:
        if index:  # a further worker process: workers and senders only, its own claims
            name = f"{instance}/{index}" if instance else None
            return Runtime(bot, gateway, identity=process_identity(name))
        runtime = Runtime(
            bot, gateway, identity=process_identity(instance), probe_interval=PROBE_SECONDS
        )
        runtime.add_service(RefreshTokenWatch(bot, runtime.metrics))
        # Every process runs a scheduler; only the one holding the leader lock fires digests.
        runtime.add_service(DigestScheduler(bot))
        return runtime

    stopped = threading.Event()
    drain: Drain | None = None

    def shut_down(signum: int | None = None, frame: FrameType | None = None) -> None:
        # Only flags: the serving loop itself closes its sockets (bot/server_drain.py).
        if not stopped.is_set():
            stopped.set()
            log.info("stopping: no new connections, finishing in flight")
            if drain is not None:
                drain.begin()

    # The workers in child processes (bot/worker_process.py), forked before the server, the
    # runtime or the intake start a thread (only the reapers of the children forked before wait,
    # in waitpid); local mode keeps one process (its stand-in's threads already run).
    background: Runtime | WorkerProcesses
    journal: IntakeJournal | None = None
    freeze_loaded_objects()
    if settings.engine.worker_process and local is None:

        def child_runtime(index: int) -> Runtime:
            bot.db.engine.dispose(close=False)  # the parent's pooled connections stay its own
            return build_runtime(index)

        # The intake's INSERT goes first at SQLite's write turn; the workers' writes can wait.
        bot.db.prefer_writes()
        # On SQLite the webhook intake writes a journal of its own, which the children import
        # (storage/journal.py): created before the fork, so that every child finds it.
        journal = IntakeJournal.beside(bot.db.engine)
        count = settings.engine.worker_processes or default_worker_processes()
        metrics = Metrics()
        children = [
            WorkerProcess(
                functools.partial(child_runtime, index),
                nice=settings.engine.worker_nice,
                on_exit=shut_down,
            )
            for index in range(count)
        ]
        background = WorkerProcesses(children, gateway=gateway, metrics=metrics).fork()
    else:
        background = build_runtime()
    intake = websocket_intake(bot, gateway, background) if websocket else None
    app = create_app(bot, runtime=background, intake=intake, journal=journal)
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
        background.start()
        if intake is not None:
            intake.start()
        if local is not None and not websocket:
            from bot.webhooks_admin import sync_webhooks

            target = f"http://127.0.0.1:{server.effective_port}/webhooks/webex"
            secret = settings.webex.webhook_secret
            assert secret is not None
            sync_webhooks(gateway, target_url=target, secret=secret.get_secret_value())
        if local is not None:
            click.echo(f"Local mode: open the console at {local.console_url}")
        else:
            register_webhooks(gateway, settings)

        signal.signal(signal.SIGTERM, shut_down)
        signal.signal(signal.SIGINT, shut_down)
        if stopped.is_set():  # the worker process died while we started
            drain.begin()
        host_port = f"{server.effective_host}:{server.effective_port}"
        click.echo(f"onboard-bot listening on http://{host_port}")
        server.run()
        server.task_dispatcher.shutdown()  # waits for the requests in flight
        if journal is not None:
            settle_journal(bot, journal)
    finally:
        if intake is not None:
            intake.stop()
        if isinstance(background, WorkerProcesses) or background.started:
            background.stop()
        log.info("stopped")
        bot.db.dispose()
        if journal is not None:
            journal.dispose()
        if local is not None:
            local.stop()
    if isinstance(background, WorkerProcesses) and background.died:
        # Non-zero, so that a supervisor (systemd, Kubernetes) starts it all again.
        raise SystemExit(1)


def settle_journal(bot: Bot, journal: IntakeJournal) -> None:
    """The intake has stopped: what it journaled last goes into the bot's database now."""
    from bot.intake_recorder import import_waiting

    try:
        moved = import_waiting(bot.db, journal)
    except Exception:  # the rows stay in the journal, for the next start to import
        log.exception("could not import the intake journal at stop")
        return
    if moved:
        log.info("imported %d event(s) from the intake journal at stop", moved)


def log_configuration(ctx: click.Context) -> None:
    """One INFO line naming every key that is not at its default, and where it came from."""
    from bot.cli import origins_from, settings_from
    from bot.settings_docs import effective

    rows = [r for r in effective(settings_from(ctx), origins_from(ctx)) if r.source != "default"]
    log.info(
        "configuration: %s",
        "; ".join(f"{r.key}={r.value} [{r.source}]" for r in rows) or "every key at its default",
        extra={"configuration": {r.key: {"value": r.value, "source": r.source} for r in rows}},
    )


def register_webhooks(gateway: WebexGateway, settings: Settings) -> None:
    """With the webhook intake and a public URL, make sure both webhooks point here (not fatal)."""
    from bot.webex import WebexError
    from bot.webhooks_admin import sync_webhooks, target_url_from

    public, secret = settings.webex.public_url, settings.webex.webhook_secret
    if settings.webex.intake_mode != "webhook" or not public or secret is None:
        return
    try:
        changes = sync_webhooks(
            gateway, target_url=target_url_from(public), secret=secret.get_secret_value()
        )
    except WebexError as exc:
        log.warning("could not register the webhooks at start (doctor says more): %s", exc)
        return
    for change in changes:
        log.info("webhook %s: %s", change.name, change.what)


class LocalWebex:
    """The built-in Webex stand-in with its demo people, and the settings that point at it."""

    def __init__(self, settings: Settings, *, console_port: int | None = 0) -> None:
        from bot.local.console_port import console_socket
        from bot.local.demo import console_url, setup_local_world
        from bot.local.emulator import WebexEmulator

        self.emulator = WebexEmulator()
        self.world = setup_local_world(self.emulator)
        # With the real provider, the same server also stands in for the admin APIs.
        self.admin_token = f"local-admin-{secrets.token_urlsafe(24)}"
        self.admin = _admin_standin(self.admin_token) if settings.provider == "webex" else None
        # ``console_port`` None: the console's own port, so its address survives restarts.
        bound = console_socket(console_port, host="127.0.0.1")
        self.port_taken = bound.taken
        self.server = self.emulator.start(host="127.0.0.1", admin=self.admin, sock=bound.sock)
        self.console_url = console_url(self.server)
        update: dict[str, object] = {
            "bot_token": SecretStr(self.world.bot_token),
            "api_url": self.server.api_url,
            "u2c_url": self.server.u2c_url,
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


def start_local_webex(settings: Settings, *, console_port: int | None = None) -> LocalWebex:
    """Start the stand-in for local mode (no WEBEX_BOT_TOKEN); ``console_port`` None: 8765."""
    return LocalWebex(settings, console_port=console_port)
