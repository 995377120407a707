"""The benchmark's webhook poster: in order, concurrent across spaces, one at a time per space."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.harness import post_all


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrived: dict[bytes, float] = {}
        self.answered: dict[bytes, float] = {}


@pytest.fixture
def server() -> Iterator[tuple[str, Recorder]]:
    seen = Recorder()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with seen.lock:
                seen.arrived[body] = time.monotonic()
            if body.startswith(b"slow"):
                time.sleep(0.3)
            with seen.lock:
                seen.answered[body] = time.monotonic()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return None

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/hook", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_acks_come_back_in_the_order_of_the_bodies(server):
    url, _ = server
    bodies = [b"slow-1", b"fast-2", b"fast-3", b"fast-4"]
    acks = post_all(url, bodies, clients=4)
    assert [a.status for a in acks] == [200] * 4
    assert acks[0].seconds >= 0.3 > acks[1].seconds


def test_within_a_space_the_next_webhook_waits_for_the_previous_ack(server):
    url, seen = server
    bodies = [b"slow-a1", b"fast-b1", b"fast-a2", b"fast-b2"]
    post_all(url, bodies, clients=4, keys=["A", "B", "A", "B"])
    assert seen.arrived[b"fast-a2"] >= seen.answered[b"slow-a1"]
    # Another space does not wait for space A.
    assert seen.arrived[b"fast-b2"] < seen.answered[b"slow-a1"]


def test_without_keys_the_clients_do_not_wait_for_each_other(server):
    url, seen = server
    post_all(url, [b"slow-a1", b"fast-a2"], clients=2)
    assert seen.arrived[b"fast-a2"] < seen.answered[b"slow-a1"]
