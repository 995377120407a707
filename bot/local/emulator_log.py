"""The emulator's request log and its fault injection."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.local.emulator_model import JsonDict


@dataclass(frozen=True)
class Exchange:
    """One HTTP request the emulator received and the response it served."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    content_type: str | None
    body: Any
    status: int
    response_body: Any
    response_headers: dict[str, str]
    caller_email: str | None = None
    injected: bool = False

    @property
    def api_path(self) -> str:
        """The path without the ``/v1`` prefix, as the OpenAPI specs write it."""
        return self.path[3:] if self.path.startswith("/v1/") else self.path


@dataclass
class Fault:
    """A canned failure served instead of the real answer, ``times`` times.

    ``delay`` holds the answer that many seconds (beyond a client's timeout, say). With
    ``after_landing`` the request is carried out first (the message is posted) and only then is
    the answer replaced by ``status`` (or, for status 200, delivered late): what a client sees
    when Webex did the work but the response was lost.
    """

    method: str
    path_regex: re.Pattern[str]
    status: int
    times: int
    headers: dict[str, str]
    body: JsonDict | None
    served: int = field(default=0)
    delay: float = 0.0
    after_landing: bool = False


class FaultInjector:
    """Holds pending faults; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        times: int = 1,
        headers: Mapping[str, str] | None = None,
        body: JsonDict | None = None,
        delay: float = 0.0,
        after_landing: bool = False,
    ) -> Fault:
        """Queue a fault for requests whose method matches and path ``re.search``-es the regex."""
        fault = Fault(
            method=method.upper(),
            path_regex=re.compile(path_regex),
            status=status,
            times=times,
            headers=dict({"Retry-After": "1"} if headers is None else headers),
            body=body,
            delay=delay,
            after_landing=after_landing,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """Consume one use of the first fault matching this request, if any."""
        with self._lock:
            for fault in self._faults:
                if fault.method in (method.upper(), "*") and fault.path_regex.search(path):
                    fault.served += 1
                    if fault.served >= fault.times:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        """Drop every pending fault."""
        with self._lock:
            self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        """Faults not yet used up."""
        with self._lock:
            return list(self._faults)
