"""Pytest helpers around the local Webex emulator: a running server, an SDK client, a receiver.

Use the fixtures from a conftest (``pytest_plugins = ["tests.support.emulator"]`` in the root
conftest) or wrap ``running_emulator()`` / ``WebhookReceiver`` in your own fixtures.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from webexpythonsdk import WebexAPI

from bot.local.emulator import EmulatorServer, WebexEmulator
from tests.support.specs import check_exchanges

BOT_NAME = "Onboard Bot"
BOT_EMAIL = "onboard@webex.bot"
BOT_TOKEN = "bot-token"
ADMIN_EMAIL = "ana.admin@example.com"
ADMIN_NAME = "Ana Admin"
ADMIN_TOKEN = "ana-token"


@dataclass
class EmulatorHarness:
    """A running emulator with one bot and one person (who also has a token)."""

    emulator: WebexEmulator
    server: EmulatorServer
    bot: dict[str, Any]
    admin: dict[str, Any]
    _exempt: set[int] = field(default_factory=set)

    def exempt_last(self) -> None:
        """Leave the last request out of the final spec check (a deliberately invalid call)."""
        self._exempt.add(id(self.emulator.exchanges[-1]))

    def is_exempt(self, exchange: Any) -> bool:
        """Whether ``exempt_last`` excluded this exchange."""
        return id(exchange) in self._exempt

    @property
    def api_url(self) -> str:
        """The SDK ``base_url`` (``http://127.0.0.1:PORT/v1/``)."""
        return self.server.api_url

    def sdk(self, token: str = BOT_TOKEN) -> WebexAPI:
        """A real webexpythonsdk client against the emulator; never sleeps on 429."""
        return WebexAPI(access_token=token, base_url=self.api_url, wait_on_rate_limit=False)

    def group_room(self, title: str = "Onboarding ops", *emails: str) -> dict[str, Any]:
        """A group room with the bot, the admin and ``emails``."""
        members = [ADMIN_EMAIL, BOT_EMAIL, *emails]
        return self.emulator.create_room(title, "group", members)

    def direct_room(self, email: str = ADMIN_EMAIL) -> dict[str, Any]:
        """The 1:1 room between a person and the bot."""
        return self.emulator.create_room("direct", "direct", [email, BOT_EMAIL])


@contextmanager
def running_emulator(
    *, check_spec: bool = True, **emulator_options: Any
) -> Iterator[EmulatorHarness]:
    """Start an emulator on a free loopback port; on exit, stop it and validate its traffic."""
    emulator = WebexEmulator(**emulator_options)
    bot = emulator.add_bot(BOT_NAME, BOT_EMAIL, token=BOT_TOKEN)
    admin = emulator.add_person(ADMIN_EMAIL, ADMIN_NAME, token=ADMIN_TOKEN)
    server = emulator.start()
    harness = EmulatorHarness(emulator, server, bot, admin)
    try:
        yield harness
    finally:
        server.stop()
    if check_spec:
        check_exchanges(emulator.exchanges, "webex-messaging.json", ignore=harness.is_exempt)


@dataclass
class ReceivedWebhook:
    """One POST the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes

    def signature_ok(self, secret: str) -> bool:
        """Whether ``X-Spark-Signature`` is the HMAC-SHA1 of the raw body with ``secret``."""
        expected = hmac.new(secret.encode(), self.body, hashlib.sha1).hexdigest()
        return hmac.compare_digest(expected, self.headers.get("X-Spark-Signature", ""))


@dataclass
class WebhookReceiver:
    """A tiny HTTP server that records webhook POSTs and answers ``status`` (settable).

    ``on_post`` (optional) runs in the server thread after a POST was recorded, e.g. a stub bot
    that fetches the message and replies.
    """

    status: int = 200
    on_post: Callable[[ReceivedWebhook], None] | None = None
    received: list[ReceivedWebhook] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                hook = ReceivedWebhook(self.path, dict(self.headers), body)
                with receiver._lock:
                    receiver.received.append(hook)
                    status = receiver.status
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if receiver.on_post is not None:
                    receiver.on_post(hook)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """The target URL to register (``http://127.0.0.1:PORT/webhooks``)."""
        return f"http://127.0.0.1:{self._server.server_port}/webhooks"

    def envelopes(self) -> list[dict[str, Any]]:
        """The parsed bodies received so far."""
        with self._lock:
            return [json.loads(r.body) for r in self.received]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedWebhook]:
        """Wait until at least ``count`` POSTs arrived; returns them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.01)
        raise TimeoutError(f"expected {count} webhook POSTs, got {len(self.received)}")

    def close(self) -> None:
        """Stop the server."""
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def webex() -> Iterator[EmulatorHarness]:
    """A running emulator whose whole request log must validate against webex-messaging.json."""
    with running_emulator() as harness:
        yield harness


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """A webhook target on a free loopback port."""
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


def eventually(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll ``check`` until it returns a truthy value (short sleeps), else TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(0.01)
