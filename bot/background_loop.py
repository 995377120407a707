"""A background thread that runs one check now and then every so many seconds until stopped."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Periodic:
    """Runs ``step`` in a daemon thread of its own every ``interval`` seconds; one failing
    round is logged with ``failure`` and the next round runs as planned."""

    def __init__(self, name: str, step: Callable[[], object], failure: str) -> None:
        self.name = name
        self.step = step
        self.failure = failure
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """True while the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self, interval: float) -> None:
        """Run ``step`` now and then every ``interval`` seconds."""
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._loop, args=(interval,), name=self.name, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop after the round under way (waiting at most 5 seconds for it)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(5.0)

    def _loop(self, interval: float) -> None:
        while not self._stopping.is_set():
            try:
                self.step()
            except Exception:  # one bad round (a database or Webex hiccup) must not end the loop
                log.exception(self.failure)
            self._stopping.wait(interval)
