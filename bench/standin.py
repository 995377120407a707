"""The Webex stand-in (bot/local) as a separate process for the benchmark and the chaos runs.

``python -m bench.standin --people 100 --rooms 20 --latency-ms 100`` starts a ``WebexEmulator``
with a bot, people and group spaces (everyone in every space), prints one JSON line saying where
it listens and what it holds (``World``), and serves until stdin closes. A separate process keeps
the stand-in's own CPU out of the load generator's and out of the bot's.

Beside the emulated REST API it serves a small control API for the harness, under ``/bench``:

    POST /bench/latency   {"ms": 100}                 every REST request waits this long
    POST /bench/commands  {"items": [{"as", "room", "text"}]}  people post (no webhook fires);
                          answers each message's webhook ``data``
    GET  /bench/replies?since=K&count=N&timeout=S     the bot's posted messages from the K-th
                          on, waiting up to S seconds until there are N in all

Reply times are ``time.monotonic()`` at the moment the stand-in created the message, which on
Linux is the same clock in every process of the machine, so the harness can subtract its own
send times from them.

It serves with waitress, as Webex serves: connections kept alive. werkzeug's development server
closes every connection after one answer ("Connection: close"), so each API call of both bots
paid a new TCP connection and a new server thread, CPU that real Webex does not cost a bot.
Enough threads that every call the bots can have in flight may wait out the injected latency at
once (two worker processes of 16 + 16 threads, the in-request bot's 8, the harness).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from flask import Flask, Response, g, jsonify, request
from waitress.server import create_server
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from bot.local.emulator import WebexEmulator
from bot.local.emulator_websocket import MercuryStandIn

BOT_EMAIL = "bench-bot@webex.bot"
BOT_NAME = "Bench"


@dataclass
class World:
    """What a started stand-in holds, as the harness needs it."""

    api_url: str
    control_url: str
    bot_token: str
    bot_id: str
    org_id: str
    people: list[str] = field(default_factory=list)  # emails
    person_ids: dict[str, str] = field(default_factory=dict)  # email -> person id
    rooms: list[str] = field(default_factory=list)  # group room ids
    u2c_url: str = ""  # the service catalog of the websocket side (``WEBEX_U2C_URL``)


class Latency:
    """WSGI middleware: every request under ``/v1/`` waits ``seconds`` before it is served.

    This is the injected API latency (a Webex far away); the control API is not delayed.
    """

    def __init__(self, app: Any, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if self.seconds > 0 and environ.get("PATH_INFO", "").startswith("/v1/"):
            time.sleep(self.seconds)
        return self.app(environ, start_response)


class ReplyLog:
    """Every message the bot posted, in the order the stand-in created them."""

    def __init__(self) -> None:
        self._items: list[dict[str, Any]] = []
        self._changed = threading.Condition()

    def add(self, item: dict[str, Any]) -> None:
        """Record one reply and wake waiters."""
        with self._changed:
            self._items.append(item)
            self._changed.notify_all()

    def wait(self, since: int, count: int, timeout: float) -> tuple[int, list[dict[str, Any]]]:
        """The total so far and the items from ``since``, once ``count`` exist or on timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._items) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
            return len(self._items), list(self._items[since:])


def control_app(
    app: Flask, emulator: WebexEmulator, latency: Latency, bot_id: str, log: ReplyLog
) -> Flask:
    """The control API (served beside the REST API) and the reply recorder on the REST API.

    The control API is an app of its own: the emulator's token check, injected faults and
    latency must not apply to the harness.
    """
    control = Flask("bench_control")

    @control.post("/latency")
    def set_latency() -> Response:
        latency.seconds = float(request.get_json(force=True)["ms"]) / 1000
        return jsonify(ms=latency.seconds * 1000)

    @control.post("/commands")
    def commands() -> Response:
        out = []
        for item in request.get_json(force=True)["items"]:
            posted = emulator.send_as(item["as"], item["room"], item["text"])
            out.append(
                {
                    key: posted[key]
                    for key in (
                        "id",
                        "roomId",
                        "roomType",
                        "personId",
                        "personEmail",
                        "mentionedPeople",
                        "created",
                    )
                    if key in posted
                }
            )
        return jsonify(items=out)

    @control.get("/replies")
    def replies() -> Response:
        total, items = log.wait(
            int(request.args.get("since", 0)),
            int(request.args.get("count", 0)),
            float(request.args.get("timeout", 0)),
        )
        return jsonify(total=total, items=items)

    @app.after_request
    def _record_reply(response: Response) -> Response:
        caller = g.get("caller")
        if (
            request.method == "POST"
            and request.path == "/v1/messages"
            and response.status_code == 200
            and caller is not None
            and caller.id == bot_id
        ):
            # The message as stored, not the response parsed again (a 13 KB card for a help).
            body = g.get("posted") or {}
            log.add(
                {
                    "t": time.monotonic(),
                    "id": body.get("id"),
                    "room": body.get("roomId"),
                    "parent": body.get("parentId"),
                }
            )
        return response

    return control


#: waitress's threads, and the connections it keeps open (its default of 100 is fewer than
#: the two bots' pools hold).
THREADS = 160
CONNECTIONS = 1000


def build(
    people: int, rooms: int, latency_ms: float
) -> tuple[WebexEmulator, Any, World, MercuryStandIn]:
    """The emulator with its world, the WSGI app with the control API (not yet served), and the
    websocket side (catalog, devices, socket; its socket not yet served)."""
    emulator = WebexEmulator()
    token = "bench-bot-token"
    bot = emulator.add_bot(BOT_NAME, BOT_EMAIL, token=token)
    emails = [f"person{i:03d}@bench.example" for i in range(people)]
    ids = {
        email: emulator.add_person(email, f"Person {i:03d}")["id"] for i, email in enumerate(emails)
    }
    room_ids = [
        emulator.create_room(f"Space {r:02d}", members=[*emails, BOT_EMAIL])["id"]
        for r in range(rooms)
    ]
    app = emulator.create_app()
    # The websocket intake's side (bench.websocket): its routes are not under /v1/, so the
    # injected latency applies to the REST calls only, as with the webhook intake.
    mercury = MercuryStandIn(emulator)
    mercury.mount(app)
    world = World(
        api_url="",
        control_url="",
        bot_token=token,
        bot_id=bot["id"],
        org_id=emulator.org_id,
        people=emails,
        person_ids=ids,
        rooms=room_ids,
    )
    latency = Latency(app.wsgi_app, latency_ms / 1000)
    app.wsgi_app = latency  # type: ignore[method-assign]
    control = control_app(app, emulator, latency, bot["id"], ReplyLog())
    return emulator, DispatcherMiddleware(app, {"/bench": control}), world, mercury


def main(argv: list[str] | None = None) -> int:
    """Serve until stdin closes; the first stdout line is the ``World`` as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.standin")
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--rooms", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args(argv)
    # "Task queue depth" warnings are what a burst is: the harness reads this process's output.
    logging.getLogger("waitress").setLevel(logging.ERROR)
    emulator, app, world, mercury = build(args.people, args.rooms, args.latency_ms)
    server: Any = create_server(
        app, host="127.0.0.1", port=0, threads=THREADS, connection_limit=CONNECTIONS
    )
    base = f"http://127.0.0.1:{server.effective_port}"
    world.api_url, world.control_url = f"{base}/v1/", f"{base}/bench"
    world.u2c_url = f"{base}/u2c/api/v1"
    emulator.api_url = world.api_url
    mercury.http_base = base
    mercury.start()
    threading.Thread(target=server.run, daemon=True).start()
    print(json.dumps(asdict(world)), flush=True)
    sys.stdin.read()  # the harness closes our stdin (or dies) to stop us
    server.close()
    mercury.stop()
    emulator.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
