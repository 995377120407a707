"""A fault-injecting HTTP proxy to put between the bot and the Webex stand-in.

The bot's ``WEBEX_API_URL`` points at the proxy (``proxy.api_url``); the proxy forwards every
request to the stand-in over HTTP/1.1, unless a fault rule says otherwise. Rules are matched in
the order they were added (method and a ``re.search`` of the path with its query), and each
lasts a number of requests (``times``), a time (``seconds``), or until ``clear()``::

    proxy = FaultProxy("127.0.0.1", standin_port).start()
    proxy.down(seconds=150)                          # no answer at all: connections reset
    proxy.status(429, times=12, path=r"/v1/messages$", method="POST", retry_after="1")
    proxy.status(503, seconds=30)                    # a 5xx storm on every call
    proxy.delay(25, times=3)                         # held 25 s, then forwarded (a spike)
    proxy.delay_response(25, method="POST", path=r"/v1/messages$")  # landed, answer late
    proxy.drop_response(method="POST", path=r"/v1/messages$")       # landed, connection cut

``delay_response`` and ``drop_response`` forward the request first, so the message exists at
the stand-in although the bot never hears so: the case where a retry doubles a reply.
Every request is logged (``proxy.hits``) with what the proxy did to it.
"""

from __future__ import annotations

import contextlib
import http.client
import re
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Hop-by-hop headers (RFC 9110 §7.6.1) and the ones the proxy sets itself.
_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "host",
    }
)

FORWARD = "forward"
DOWN = "down"
STATUS = "status"
DELAY = "delay"
DELAY_RESPONSE = "delay_response"
DROP_RESPONSE = "drop_response"


@dataclass
class Rule:
    """One fault: what to do to which requests, for how many or how long."""

    kind: str
    method: str = "*"
    path: str = ""
    times: int | None = None  # requests left; None: no count limit
    until: float | None = None  # time.monotonic() after which the rule is spent
    status: int = 503
    retry_after: str | None = None
    seconds: float = 0.0
    hits: int = 0

    def matches(self, method: str, path: str, now: float) -> bool:
        """Whether this rule applies to the request (and is not spent)."""
        if self.times is not None and self.times <= 0:
            return False
        if self.until is not None and now >= self.until:
            return False
        if self.method != "*" and self.method.upper() != method.upper():
            return False
        return re.search(self.path, path) is not None

    def take(self) -> None:
        """Count one request against the rule."""
        self.hits += 1
        if self.times is not None:
            self.times -= 1


@dataclass(frozen=True)
class Hit:
    """One request the proxy saw, and what it did (``forward`` or a fault kind)."""

    at: float
    method: str
    path: str
    action: str
    status: int | None  # what the client got; None when it got no answer


@dataclass
class _Rules:
    lock: threading.Lock = field(default_factory=threading.Lock)
    rules: list[Rule] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    picked: int = 0  # requests a rule took, counted when taken (a held one is not done yet)
    holding: int = 0  # requests being held right now

    def pick(self, method: str, path: str) -> Rule | None:
        now = time.monotonic()
        with self.lock:
            for rule in self.rules:
                if rule.matches(method, path, now):
                    rule.take()
                    self.picked += 1
                    return rule
        return None

    def log(self, hit: Hit) -> None:
        with self.lock:
            self.hits.append(hit)


class FaultProxy:
    """A threaded HTTP/1.1 proxy in front of one upstream, with fault rules."""

    def __init__(
        self, upstream_host: str, upstream_port: int, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.upstream = (upstream_host, upstream_port)
        self._host = host
        self._rules = _Rules()
        self._stopping = threading.Event()
        self._server = _Server((host, port), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fault-proxy",
            daemon=True,
        )

    @property
    def port(self) -> int:
        """The port the proxy listens on."""
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self._host}:{self.port}"

    @property
    def api_url(self) -> str:
        """The Webex API base URL through the proxy (``.../v1/``)."""
        return f"{self.url}/v1/"

    def start(self) -> FaultProxy:
        """Serve from a background thread; returns self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; held requests are released without an answer."""
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- rules -------------------------------------------------------------------------------

    def add(self, rule: Rule, *, seconds: float | None = None, times: int | None = None) -> Rule:
        """Add a rule lasting ``times`` requests and/or ``seconds`` from now (or until cleared)."""
        if seconds is not None:
            rule.until = time.monotonic() + seconds
        if times is not None:
            rule.times = times
        with self._rules.lock:
            self._rules.rules.append(rule)
        return rule

    def down(self, *, seconds: float | None = None, method: str = "*", path: str = "") -> Rule:
        """Answer nothing: each matching request's connection is reset."""
        return self.add(Rule(DOWN, method, path), seconds=seconds)

    def status(
        self,
        status: int,
        *,
        times: int | None = None,
        seconds: float | None = None,
        method: str = "*",
        path: str = "",
        retry_after: str | None = None,
    ) -> Rule:
        """Answer ``status`` (a Webex-style error body) without forwarding."""
        rule = Rule(STATUS, method, path, status=status, retry_after=retry_after)
        return self.add(rule, seconds=seconds, times=times)

    def delay(
        self,
        hold: float,
        *,
        times: int | None = None,
        seconds: float | None = None,
        method: str = "*",
        path: str = "",
    ) -> Rule:
        """Hold each matching request ``hold`` seconds, then forward it (a latency spike)."""
        return self.add(Rule(DELAY, method, path, seconds=hold), seconds=seconds, times=times)

    def delay_response(
        self,
        hold: float,
        *,
        times: int | None = 1,
        seconds: float | None = None,
        method: str = "*",
        path: str = "",
    ) -> Rule:
        """Forward at once, then hold the upstream's answer ``hold`` seconds."""
        rule = Rule(DELAY_RESPONSE, method, path, seconds=hold)
        return self.add(rule, seconds=seconds, times=times)

    def drop_response(
        self,
        *,
        times: int | None = 1,
        seconds: float | None = None,
        method: str = "*",
        path: str = "",
    ) -> Rule:
        """Forward at once, then cut the client's connection instead of answering."""
        return self.add(Rule(DROP_RESPONSE, method, path), seconds=seconds, times=times)

    def clear(self) -> None:
        """Remove every rule: everything is forwarded again."""
        with self._rules.lock:
            self._rules.rules.clear()

    @property
    def hits(self) -> list[Hit]:
        """Every request seen so far, oldest first."""
        with self._rules.lock:
            return list(self._rules.hits)

    def faulted(self) -> int:
        """How many requests a rule took (held ones included, before they are released)."""
        with self._rules.lock:
            return self._rules.picked

    def held(self) -> int:
        """How many requests (or answers) are being held right now."""
        with self._rules.lock:
            return self._rules.holding

    # -- serving -----------------------------------------------------------------------------

    def _hold(self, seconds: float) -> None:
        with self._rules.lock:
            self._rules.holding += 1
        try:
            self._stopping.wait(seconds)
        finally:
            with self._rules.lock:
                self._rules.holding -= 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that dies mid-request (a killed bot) is part of the experiment, not an error.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def _handler_for(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(_ProxyHandler):
        owner = proxy

    return Handler


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's requests session expects
    owner: FaultProxy
    _upstream: http.client.HTTPConnection | None = None

    def log_message(self, format: str, *args: object) -> None:
        return None  # the proxy keeps its own log (``hits``)

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    line = self.rfile.readline()
                    while line.strip():  # trailers, up to the empty line that ends them
                        line = self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reset(self) -> None:
        # SO_LINGER 0: close with a TCP reset, as a dead server or a cut link looks.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _log(self, action: str, status: int | None) -> None:
        self.owner._rules.log(Hit(time.monotonic(), self.command, self.path, action, status))

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response_only(status)
        for name, value in headers:
            if name.lower() not in _HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _forward(self, body: bytes) -> http.client.HTTPResponse:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
        headers["Host"] = "{}:{}".format(*self.owner.upstream)
        for attempt in (1, 2):
            if self._upstream is None:
                self._upstream = http.client.HTTPConnection(*self.owner.upstream, timeout=120)
            try:
                self._upstream.request(self.command, self.path, body=body, headers=headers)
                return self._upstream.getresponse()
            except (OSError, http.client.HTTPException):
                # A kept-alive upstream connection the stand-in closed: one fresh try.
                self._upstream.close()
                self._upstream = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _handle(self) -> None:
        body = self._body()
        rule = self.owner._rules.pick(self.command, self.path)
        kind = rule.kind if rule is not None else FORWARD
        if rule is not None and kind == DOWN:
            self._log(kind, None)
            self._reset()
            return
        if rule is not None and kind == STATUS:
            headers = [("Content-Type", "application/json"), ("TrackingID", "FAULTPROXY")]
            if rule.retry_after is not None:
                headers.append(("Retry-After", rule.retry_after))
            message = b'{"message":"Injected by the fault proxy","trackingId":"FAULTPROXY"}'
            self._log(kind, rule.status)
            self._send(rule.status, headers, message)
            return
        if rule is not None and kind == DELAY:
            self.owner._hold(rule.seconds)
        try:
            response = self._forward(body)
            data = response.read()
        except (OSError, http.client.HTTPException):
            self._log("upstream_down", None)
            self._reset()
            return
        if rule is not None and kind == DROP_RESPONSE:
            self._log(kind, None)
            self._reset()
            return
        if rule is not None and kind == DELAY_RESPONSE:
            self.owner._hold(rule.seconds)
        self._log(kind, response.status)
        try:
            self._send(response.status, response.getheaders(), data)
        except OSError:
            self.close_connection = True  # the client gave up waiting (its timeout)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    def finish(self) -> None:
        with contextlib.suppress(OSError):  # a reset connection has nothing left to flush
            super().finish()
        if self._upstream is not None:
            self._upstream.close()
