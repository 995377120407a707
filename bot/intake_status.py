"""What the websocket intake reports: its state for /readyz, and its Prometheus counters."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from prometheus_client import Counter, Gauge

from bot.metrics import Metrics


@dataclass
class IntakeState:
    """What /readyz reports."""

    state: str = "starting"  # starting, connecting, connected, reconnecting, standby, stopped
    connected_since: datetime | None = None
    disconnected_at: float | None = None  # monotonic
    last_event_at: datetime | None = None
    reconnects: int = 0
    stopped_reason: str | None = None
    connected_once: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)


class IntakeMetrics:
    """The websocket's counters, in the process's own metrics registry."""

    def __init__(self, metrics: Metrics) -> None:
        r = metrics.registry
        self.reconnects = Counter(
            "onboard_websocket_reconnects", "Websocket connections opened again", registry=r
        )
        self.gaps = Counter(
            "onboard_websocket_sequence_gaps",
            "Gaps in the websocket's sequence numbers (events Mercury did not send)",
            registry=r,
        )
        self.backfilled = Counter(
            "onboard_websocket_backfilled_messages",
            "Messages the backfill found that the socket had not delivered",
            registry=r,
        )
        self.events = Counter(
            "onboard_websocket_events",
            "Websocket activities, by outcome (recorded, duplicate, ignored)",
            ["outcome"],
            registry=r,
        )
        self.connected = Gauge(
            "onboard_websocket_connected", "1 while the websocket is open and ready", registry=r
        )


def readiness(s: IntakeState, *, not_ready_after: float) -> tuple[dict[str, Any], list[str]]:
    """The intake's part of /readyz: its state, and what is wrong (empty when fine).

    A short reconnect is no failure (the backfill covers it); down for longer than
    ``not_ready_after`` seconds, never connected yet, or stopped is.
    """
    with s.lock:
        info: dict[str, Any] = {
            "intake": "websocket",
            "state": s.state,
            "connected_since": s.connected_since.isoformat() if s.connected_since else None,
            "last_event_at": s.last_event_at.isoformat() if s.last_event_at else None,
            "reconnects": s.reconnects,
        }
        problems: list[str] = []
        if s.state == "stopped":
            problems.append(f"websocket intake stopped: {s.stopped_reason}")
        elif not s.connected_once and s.state != "standby":
            problems.append("websocket not connected yet")
        elif s.disconnected_at is not None and s.state != "standby":
            down = time.monotonic() - s.disconnected_at
            if down > not_ready_after:
                problems.append(f"websocket not connected for {int(down)}s")
        return info, problems
