"""Soak the websocket intake: hours of chat with the socket broken every few minutes.

``make soak`` (30 minutes, a fault every 2 minutes) or, shorter,
``make soak SOAK_MINUTES=3 SOAK_FAULT_SECONDS=20``. The bot runs in-process against the local
stand-in over real sockets, on a SQLite database of its own. Ten people write ``help`` in ten
spaces (five groups, five 1:1s) at a steady rate; the faults take turns: a dropped socket, close
1011, close 4401, a refused handshake (404) after a drop, a skipped sequence number, and a
redelivered envelope (``--faults drop`` / ``SOAK_FAULTS=drop``: drops only). At the end every
message must have exactly one reply. Prints the figures and exits 1 when anything was lost or
doubled. Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.events import correlation_id_of
from bot.intake_websocket import IntakeOptions
from bot.local.emulator_websocket import MercuryStandIn, raw_uuid
from storage.uow import Database
from tests.e2e.websocket_harness import WebsocketBot, serving_websocket_bot
from tests.support.emulator import BOT_EMAIL, EmulatorHarness, running_emulator

PEOPLE = 10


def faults(mercury: MercuryStandIn, last_asked: Callable[[], str | None]) -> list[Any]:
    """The faults, in the order they take turns."""

    def refused_after_drop() -> None:
        mercury.refuse_handshake(404)
        mercury.drop()

    def redeliver() -> None:
        asked = last_asked()
        if asked is not None:
            mercury.redeliver(asked)

    return [
        ("drop", mercury.drop),
        ("close 1011", lambda: mercury.close(1011)),
        ("close 4401", lambda: mercury.close(4401)),
        ("404 handshake", refused_after_drop),
        ("skipped sequence number", mercury.skip_next),
        ("redelivered envelope", redeliver),
    ]


def tally(
    webex: EmulatorHarness, served: WebsocketBot, asked: list[dict[str, Any]]
) -> Counter[str]:
    """Lost and doubled replies."""
    delivered = Counter(r.correlation_id for r in served.outbox() if r.status == "delivered")
    result: Counter[str] = Counter()
    direct_asked: Counter[str] = Counter()
    for message in asked:
        if not delivered[correlation_id_of(f"messages/created/{message['id']}")]:
            result["lost"] += 1
        if message["roomType"] == "group":
            replies = [
                m for m in webex.emulator.replies_to(message["id"]) if m["personEmail"] == BOT_EMAIL
            ]
            result["doubled"] += max(0, len(replies) - 1)
        else:
            direct_asked[message["roomId"]] += 1
    for room_id, count in direct_asked.items():
        answers = len(webex.emulator.messages_in(room_id, person_email=BOT_EMAIL))
        result["doubled"] += max(0, answers - count)
    return result


def _ms(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp() * 1000


def latencies(webex: EmulatorHarness, asked: list[dict[str, Any]]) -> list[float]:
    """Milliseconds from each question to the bot's answer, as the stand-in stamped them."""
    found: list[float] = []
    by_room: dict[str, list[dict[str, Any]]] = {}
    for message in asked:
        if message["roomType"] == "group":
            replies = webex.emulator.replies_to(message["id"])
            found += [_ms(r["created"]) - _ms(message["created"]) for r in replies[:1]]
        else:
            by_room.setdefault(message["roomId"], []).append(message)
    for room_id, questions in by_room.items():
        answers = webex.emulator.messages_in(room_id, person_email=BOT_EMAIL)
        # 1:1 answers are not threaded; within a space they come in the order asked.
        found += [
            _ms(a["created"]) - _ms(q["created"]) for q, a in zip(questions, answers, strict=False)
        ]
    return sorted(found)


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of ``values`` lie (nearest rank)."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, round(share * len(values)) - 1))]


def soak(minutes: float, fault_seconds: float, rate: float, only: set[str] | None = None) -> int:
    """Run the soak; the process exit code."""
    with tempfile.TemporaryDirectory() as tmp, running_emulator(check_spec=False) as webex:
        database = Database.from_url(f"sqlite:///{Path(tmp) / 'soak.db'}")
        database.upgrade()
        people = [f"person{i}@example.com" for i in range(PEOPLE)]
        for i, email in enumerate(people):
            webex.emulator.add_person(email, f"Person {i}")
        rooms = [webex.group_room(f"Space {i}", people[i]) for i in range(PEOPLE // 2)]
        rooms += [
            webex.emulator.create_room("direct", "direct", [email, BOT_EMAIL])
            for email in people[PEOPLE // 2 :]
        ]
        mercury = webex.server.mercury
        asked: list[dict[str, Any]] = []
        turns = faults(mercury, lambda: asked[-1]["id"] if asked else None)
        turns = [t for t in turns if only is None or t[0].split()[0] in only]
        options = IntakeOptions(reconnect_base=0.5)
        with serving_websocket_bot(webex, database, Path(tmp), options=options) as served:
            started = time.monotonic()
            end = started + minutes * 60
            next_fault = started + fault_seconds
            fault_count: Counter[str] = Counter()
            n = 0
            while time.monotonic() < end:
                i = n % len(rooms)
                asked.append(webex.emulator.send_as(people[i], rooms[i]["id"], "help"))
                n += 1
                if time.monotonic() >= next_fault:
                    name, inject = turns[sum(fault_count.values()) % len(turns)]
                    inject()
                    fault_count[name] += 1
                    next_fault += fault_seconds
                    print(f"{time.monotonic() - started:7.1f}s  fault: {name}", flush=True)
                time.sleep(1 / rate)
            deadline = time.monotonic() + 120
            counts = tally(webex, served, asked)
            while counts["lost"] and time.monotonic() < deadline:
                time.sleep(1)
                counts = tally(webex, served, asked)
            intake = served.intake
            assert intake is not None
            m = served.metrics
            print(f"messages sent:        {len(asked)}")
            print(f"faults injected:      {sum(fault_count.values())} {dict(fault_count)}")
            print(f"reconnects:           {intake.status.reconnects}")
            print(f"sequence gaps:        {m.value('onboard_websocket_sequence_gaps_total'):.0f}")
            backfilled = m.value("onboard_websocket_backfilled_messages_total")
            print(f"backfilled messages:  {backfilled:.0f}")
            lost_questions = {raw_uuid(a["id"]) for a in asked} & set(mercury.lost_activities)
            print(f"questions pushed while the socket was down: {len(lost_questions)}")
            waits = latencies(webex, asked)
            p50, p99 = percentile(waits, 0.5), percentile(waits, 0.99)
            print(f"question -> answer:   p50 {p50:.0f} ms, p99 {p99:.0f} ms (faults included)")
            print(f"lost:                 {counts['lost']}")
            print(f"doubled:              {counts['doubled']}")
        database.dispose()
        return 1 if counts["lost"] or counts["doubled"] else 0


def main(argv: list[str] | None = None) -> int:
    """Parse the options and soak."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--fault-every", type=float, default=120.0, help="seconds between faults")
    parser.add_argument("--rate", type=float, default=2.0, help="messages per second")
    parser.add_argument(
        "--faults",
        default="",
        help="comma-separated first words of the faults to use (drop,close,404,skipped,"
        "redelivered); default all, in turn",
    )
    args = parser.parse_args(argv)
    only = {f.strip() for f in args.faults.split(",") if f.strip()} or None
    return soak(args.minutes, args.fault_every, args.rate, only)


if __name__ == "__main__":
    sys.exit(main())
