"""Stopping waitress cleanly on SIGTERM: stop accepting, finish what is in flight, then return.

``server.close()`` from a signal handler closes the listening socket and the trigger while the
asyncore loop is between ``poll`` calls with their file descriptors: the loop then fails on each
of them (``OSError: [Errno 9] Bad file descriptor``), and keep-alive connections are still read
until they time out. Here the signal only sets an event; a small thread asks the loop itself (via
waitress's trigger, the thread-safe way in) to close the listener and every idle connection, and
to stop reading from busy ones, which are closed once their response is out. When nothing but the
trigger is left the trigger is closed too, the loop's map is empty and ``server.run()`` returns.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from waitress.channel import HTTPChannel

log = logging.getLogger(__name__)


class Drain:
    """Drains one waitress server when ``begin()`` is called (from a signal handler is fine)."""

    def __init__(self, server: Any, *, grace: float = 10.0, tick: float = 0.05) -> None:
        self.server = server
        self.grace = grace
        self.tick = tick
        self.requested = threading.Event()
        self.finished = threading.Event()
        self._thread = threading.Thread(target=self._run, name="onboard-drain", daemon=True)
        self._thread.start()

    def begin(self) -> None:
        """Ask for the drain; returns at once (safe in a signal handler)."""
        self.requested.set()

    def _run(self) -> None:
        self.requested.wait()
        started = time.monotonic()
        while not self.finished.is_set():
            force = time.monotonic() - started > self.grace
            try:
                self.server.trigger.pull_trigger(lambda f=force: self._step(force=f))
            except OSError:  # the trigger is closed: the loop is done
                return
            time.sleep(self.tick)

    def _step(self, *, force: bool) -> None:
        """Runs inside the asyncore loop, between two polls: closing sockets is safe here."""
        server = self.server
        if server.accepting:
            server.accepting = False
            server.del_channel()
            server.socket.close()
            log.info("stopped accepting connections")
        channels = [c for c in list(server._map.values()) if isinstance(c, HTTPChannel)]
        for channel in channels:
            if force or not (channel.requests or channel.total_outbufs_len):
                channel.handle_close()
            else:
                # Read no further request from it: the one in flight is answered, then closed.
                channel.readable = lambda: False
        if not [c for c in server._map.values() if isinstance(c, HTTPChannel)]:
            self.finished.set()
            server.trigger.close()
