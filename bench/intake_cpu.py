"""The intake's own CPU per webhook, in one process: ``serve``'s Flask app beside bare Flask.

``python -m bench.intake_cpu`` builds the app ``serve`` runs on SQLite (the intake journal on,
storage/journal.py) and the bare Flask endpoint of ``bench.targets``, and calls each through
WSGI with the same kind of signed ``messages/created`` bodies, each a new event. No server, no
worker and no network take part, so the figure is what the intake itself costs: verify, parse,
record (journal commit included) and answer. It prints microseconds of CPU per request for
both and their ratio; the engine bench's acks/s adds waitress and the machine's other work on
top (README, "What bounds the acks now").

``INTAKE_CPU_REQUESTS`` sets how many requests each app gets (default 3,000, after 200 warm-up).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from werkzeug.test import EnvironBuilder

from bench.targets import bare_app

SECRET = "intake-cpu-secret"
WARM_UP = 200

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass
class _Background:
    """The background half as the intake sees it, doing nothing (no worker to wake)."""

    metrics: Any
    gateway: Any = None
    probe: Any = field(default_factory=object)  # readiness's Webex probe, never asked here
    services: list[Any] = field(default_factory=list)

    def problems(self) -> list[str]:
        return []

    def wake_worker(self) -> None:
        """No worker runs here: the events stay recorded, which is all this bench measures."""

    def render_metrics(self) -> bytes:
        return b""


def _body(n: int) -> bytes:
    data = {"id": f"msg-{n}", "roomId": "room-1", "personId": "p-1", "roomType": "group"}
    envelope = {
        "id": "wh-1",
        "name": "onboard-bot",
        "resource": "messages",
        "event": "created",
        "actorId": "p-1",
        "orgId": "org-1",
        "created": "2026-12-03T00:00:00.000Z",
        "data": {**data, "personEmail": "ana@example.com", "created": "2026-12-03T00:00:00.000Z"},
    }
    return json.dumps(envelope).encode()


def _environ(n: int) -> dict[str, Any]:
    body = _body(n)
    signature = hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()
    builder = EnvironBuilder(
        path="/webhooks/webex",
        method="POST",
        data=body,
        headers=[("X-Spark-Signature", signature), ("Content-Type", "application/json")],
    )
    return dict(builder.get_environ())


def _call(app: WsgiApp, environ: dict[str, Any]) -> str:
    statuses: list[str] = []
    result = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    b"".join(result)  # the body is produced, as a server would send it
    close = getattr(result, "close", None)
    if close is not None:
        close()
    return statuses[0]


def cpu_per_request(app: WsgiApp, first: int, requests: int) -> float:
    """Microseconds of this process's CPU per request over ``requests`` new events."""
    environs = [_environ(first + n) for n in range(WARM_UP + requests)]
    for environ in environs[:WARM_UP]:
        _call(app, environ)
    started = time.process_time()
    for environ in environs[WARM_UP:]:
        status = _call(app, environ)
    spent = time.process_time() - started
    if not status.startswith("200"):
        raise SystemExit(f"the app answered {status}")
    return spent / requests * 1e6


def _onboard_app(folder: Path) -> tuple[WsgiApp, Callable[[], None]]:
    from bot.bootstrap import build_bot
    from bot.metrics import Metrics
    from bot.settings import Settings, WebexSettings
    from bot.web import create_app
    from storage.journal import IntakeJournal

    settings = Settings(
        webex=WebexSettings(bot_token="t", webhook_secret=SECRET),  # type: ignore[arg-type]
        database_url=f"sqlite:///{folder / 'bench.db'}",
        files_dir=folder / "files",
    )
    bot = build_bot(settings)
    journal = IntakeJournal.beside(bot.db.engine)
    background = _Background(metrics=Metrics())
    app = create_app(bot, runtime=background, journal=journal)  # type: ignore[arg-type]

    def close() -> None:
        if journal is not None:
            journal.dispose()
        bot.db.dispose()

    return app.wsgi_app, close


def main() -> int:
    """Measure both apps and print the table."""
    requests = int(os.environ.get("INTAKE_CPU_REQUESTS", "3000"))
    with tempfile.TemporaryDirectory(prefix="onboard-intake-cpu-") as tmp:
        ours, close = _onboard_app(Path(tmp))
        try:
            bare = cpu_per_request(bare_app().wsgi_app, 0, requests)
            onboard = cpu_per_request(ours, 10**6, requests)
        finally:
            close()
    print(
        f"intake CPU per webhook, in-process, {requests} requests each ({sys.version.split()[0]})"
    )
    print(f"  bare Flask   {bare:8.0f} us")
    print(f"  onboard-bot  {onboard:8.0f} us   {onboard / bare:.2f}x bare")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
