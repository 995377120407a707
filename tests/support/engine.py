"""Scenario parts for the engine's fault tests (and for ``make chaos``/``make bench`` to reuse).

``BotProcess`` runs a real ``onboard-bot serve`` subprocess against a Webex stand-in in the test
process (so the stand-in outlives a kill -9 of the bot). ``Burst`` sends commands from many
spaces through the stand-in and reads the outcome the way a person would: which commands got an
answer, which got two, whether a space's answers came in the order it asked, and when the last
one arrived.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bot.local.emulator import WebexEmulator
from bot.webex import WebexGateway
from bot.webhooks_admin import sync_webhooks
from tests.support.emulator import ADMIN_EMAIL, BOT_EMAIL, BOT_TOKEN, EmulatorHarness

ONBOARD_BOT = Path(sys.executable).with_name("onboard-bot")
LISTENING = re.compile(r"listening on (http://\S+)")
SECRET = "engine-fault-secret"


class BotProcess:
    """``onboard-bot serve --port 0`` as a child process, talking to the harness's stand-in."""

    def __init__(
        self,
        webex: EmulatorHarness,
        workdir: Path,
        *,
        database_url: str,
        instance: str,
        engine: Mapping[str, object] | None = None,
    ) -> None:
        self.webex = webex
        self.workdir = workdir
        self.database_url = database_url
        self.instance = instance
        # One worker process unless a test asks for more: several per bot on a 2-core test
        # machine only slow the tests (tests/e2e/test_worker_process.py runs two).
        self.engine = {
            "instance": instance,
            "claim_stale_seconds": 3,
            "worker_processes": 1,
            **(engine or {}),
        }
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        self.started_at = 0.0
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()

    def start(self, *, register: bool = True, timeout: float = 30.0) -> BotProcess:
        """Start the process and wait until it listens; point the webhooks at it."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "app.yaml"
        lines = ["engine:"] + [f"  {k}: {v}" for k, v in self.engine.items()]
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("WEBEX_", "ONBOARD_")) and k != "DATABASE_URL"
        }
        env.update(
            WEBEX_BOT_TOKEN=BOT_TOKEN,
            WEBEX_WEBHOOK_SECRET=SECRET,
            WEBEX_API_URL=self.webex.api_url,
            DATABASE_URL=self.database_url,
            ONBOARD_CONFIG=str(config),
            PYTHONUNBUFFERED="1",
        )
        self.lines = []
        self._queue = queue.Queue()
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            [str(ONBOARD_BOT), "serve", "--port", "0"],
            cwd=self.workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()
        self.url = self._wait_for(LISTENING, timeout).group(1)
        if register:
            self.register()
        return self

    def register(self) -> None:
        """Point the bot's webhooks at this process (as ``webhooks sync`` would)."""
        gateway = WebexGateway.from_settings(_settings(self.webex))
        sync_webhooks(gateway, target_url=f"{self.url}/webhooks/webex", secret=SECRET)

    def kill(self) -> None:
        """kill -9: no cleanup of any kind."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM, then wait for the exit; the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def stop(self) -> None:
        """Stop it if it still runs (test teardown)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def output(self) -> str:
        """Everything the process printed so far."""
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.lines.append(line)
        return "\n".join(self.lines)

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def _wait_for(self, pattern: re.Pattern[str], timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError("serve exited early:\n" + "\n".join(self.lines))
            self.lines.append(line)
            found = pattern.search(line)
            if found:
                return found
        raise AssertionError("serve did not start in time:\n" + "\n".join(self.lines))


def _settings(webex: EmulatorHarness) -> Any:
    from bot.settings import Settings, WebexSettings

    return Settings(
        webex=WebexSettings(
            bot_token=BOT_TOKEN, webhook_secret=SECRET, api_url=webex.api_url, intake="webhook"
        )
    )


@dataclass
class Asked:
    """One command a person sent, and where its answer must appear."""

    space: str
    message_id: str
    text: str
    sent_at: float


@dataclass
class Outcome:
    """What the people saw: answered once, unanswered, doubled, order kept, last answer's time."""

    asked: int
    answered: int
    unanswered: list[Asked]
    doubled: list[Asked]
    out_of_order: list[str]
    last_answer_at: float | None

    def summary(self) -> str:
        """One line for a log or a report."""
        return (
            f"asked {self.asked}, answered {self.answered}, unanswered {len(self.unanswered)}, "
            f"doubled {len(self.doubled)}, spaces out of order {len(self.out_of_order)}"
        )


@dataclass
class Burst:
    """Commands from many people in group spaces; every answer is a thread reply to its command.

    Each space has its own person (the rate limit is per person), who asks round-robin.
    """

    webex: EmulatorHarness
    spaces: int = 10
    asked: list[Asked] = field(default_factory=list)
    rooms: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        tag = len(self.webex.emulator.rooms())
        for n in range(self.spaces):
            email = f"asker{tag}-{n}@example.com"
            self.webex.emulator.add_person(email, f"Asker {n}")
            room = self.webex.emulator.create_room(
                f"Space {n}", "group", [ADMIN_EMAIL, email, BOT_EMAIL]
            )
            self.rooms.append(room["id"])
            self.people.append(email)

    def send(self, count: int, text: str = "help") -> list[Asked]:
        """Send ``count`` commands, round-robin over the spaces."""
        sent = []
        for n in range(count):
            room = self.rooms[n % len(self.rooms)]
            person = self.people[n % len(self.rooms)]
            message = self.webex.emulator.send_as(person, room, text)
            sent.append(Asked(room, message["id"], text, time.monotonic()))
        self.asked += sent
        return sent

    def answers(self) -> dict[str, list[dict[str, Any]]]:
        """The bot's thread replies to each command, by command message id."""
        emulator: WebexEmulator = self.webex.emulator
        return {a.message_id: emulator.replies_to(a.message_id) for a in self.asked}

    def answered_count(self) -> int:
        """How many commands have at least one answer."""
        return sum(1 for replies in self.answers().values() if replies)

    def wait_answered(self, timeout: float) -> None:
        """Wait until every command has an answer (or the time is up)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.answered_count() < len(self.asked):
            time.sleep(0.1)

    def wait_deliveries(self, timeout: float = 30.0) -> None:
        """Wait until the stand-in has posted every webhook it queued."""
        self.webex.emulator.wait_idle(timeout)

    def outcome(self, *, settle: float = 1.0) -> Outcome:
        """Look again after ``settle`` seconds (a late double must show), then count."""
        time.sleep(settle)
        answers = self.answers()
        unanswered = [a for a in self.asked if not answers[a.message_id]]
        doubled = [a for a in self.asked if len(answers[a.message_id]) > 1]
        out_of_order = []
        for room in self.rooms:
            mine = [a for a in self.asked if a.space == room and answers[a.message_id]]
            firsts = [answers[a.message_id][0]["created"] for a in mine]
            ids = [m["id"] for m in self.webex.emulator.messages_in(room)]
            positions = [ids.index(answers[a.message_id][0]["id"]) for a in mine]
            if positions != sorted(positions) or firsts != sorted(firsts):
                out_of_order.append(room)
        arrivals = [_arrival(self.webex, m["id"]) for replies in answers.values() for m in replies]
        known = [t for t in arrivals if t is not None]
        return Outcome(
            asked=len(self.asked),
            answered=len(self.asked) - len(unanswered),
            unanswered=unanswered,
            doubled=doubled,
            out_of_order=out_of_order,
            last_answer_at=max(known) if known else None,
        )


_ARRIVALS: dict[str, float] = {}
_ARRIVALS_LOCK = threading.Lock()


def watch_arrivals(webex: EmulatorHarness) -> threading.Event:
    """Note the monotonic time each bot message appears (polled every 20 ms); set to stop."""
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            for room in webex.emulator.rooms():
                for message in webex.emulator.messages_in(room["id"], person_email=BOT_EMAIL):
                    with _ARRIVALS_LOCK:
                        _ARRIVALS.setdefault(message["id"], time.monotonic())
            stop.wait(0.02)

    threading.Thread(target=poll, name="arrivals", daemon=True).start()
    return stop


def _arrival(webex: EmulatorHarness, message_id: str) -> float | None:
    with _ARRIVALS_LOCK:
        return _ARRIVALS.get(message_id)
