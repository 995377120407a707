"""``make run`` on a fresh checkout with no token: a working console within a minute.

The test runs what ``make run`` runs once the virtualenv exists, ``onboard-bot serve`` (here on a
free port), as a separate process in an empty directory: no app.yaml, no database yet, no
``WEBEX_*`` variables. Within 60 seconds of the process starting, the console URL must be printed,
the console page must answer, and ``status pending`` typed through the console's API must get the
bot's reply with its card. (Creating the virtualenv is not timed here: it is measured by hand.)
"""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import pytest
import requests

pytestmark = pytest.mark.slow

BUDGET_SECONDS = 60.0
ADMIN = "admin@partner.example"
GROUP = "Onboarding ops"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
CONSOLE_LINE = re.compile(r"open the console at (http://\S+/console/)")
ONBOARD_BOT = Path(sys.executable).with_name("onboard-bot")


class Served:
    """A running ``onboard-bot serve`` process and the lines it printed."""

    def __init__(self, process: subprocess.Popen[str], started: float) -> None:
        self.process = process
        self.started = started
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        assert process.stdout is not None
        threading.Thread(target=self._read, args=(process.stdout,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def left(self) -> float:
        """Seconds left of the budget."""
        return BUDGET_SECONDS - (time.monotonic() - self.started)

    def wait_for_line(self, pattern: re.Pattern[str]) -> re.Match[str]:
        """The first printed line matching ``pattern``, within the budget."""
        while self.left() > 0:
            try:
                line = self._queue.get(timeout=min(0.5, max(self.left(), 0.01)))
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(
                    f"serve exited ({self.process.wait()}) before printing the console URL:\n"
                    + "\n".join(self.lines)
                )
            self.lines.append(line)
            found = pattern.search(line)
            if found:
                return found
        raise AssertionError("no console URL within a minute:\n" + "\n".join(self.lines))


def fresh_env() -> dict[str, str]:
    """The environment of a newcomer: no Webex token or bot settings, nothing to configure."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("WEBEX_", "ONBOARD_")) and k != "DATABASE_URL"
    }
    env["PYTHONUNBUFFERED"] = "1"
    return env


def spawn(workdir: Path, *args: str, env: Mapping[str, str] | None = None) -> Served:
    """``onboard-bot serve --port 0 ARGS`` started in ``workdir`` with a newcomer's environment
    (or ``env``)."""
    if not ONBOARD_BOT.exists():
        pytest.skip(f"{ONBOARD_BOT} is missing: install the project (pip install -e '.[dev]')")
    started = time.monotonic()
    process = subprocess.Popen(
        [str(ONBOARD_BOT), "serve", "--port", "0", *args],
        cwd=workdir,
        env=dict(env) if env is not None else fresh_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return Served(process, started)


def stop(running: Served) -> None:
    """SIGTERM, as Ctrl+C would; it must stop cleanly."""
    process = running.process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0, "serve did not stop cleanly:\n" + "\n".join(running.lines)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """``onboard-bot serve --port 0`` started in an empty directory; stopped with SIGTERM."""
    workdir = tmp_path / "fresh"
    workdir.mkdir()
    # Any free console port: tests never take fixed ports (others run at the same time).
    running = spawn(workdir, "--console-port", "0")
    try:
        yield running
    finally:
        stop(running)


def say_in_group(console: str, text: str, left: float) -> dict[str, Any]:
    """Type ``text`` to the bot in the ops group as the admin, through the console API; the
    bot's reply (within ``left`` seconds)."""
    rooms = requests.get(f"{console}api/rooms", params={"as": ADMIN}, timeout=5).json()["items"]
    (group,) = [r for r in rooms if r["title"] == GROUP]
    sent = requests.post(
        f"{console}api/rooms/{group['id']}/messages",
        json={"as": ADMIN, "text": text, "mentionBot": True},
        timeout=5,
    )
    assert sent.status_code == 200, sent.text
    return bot_reply(console, group["id"], sent.json()["id"], left)


def bot_reply(console: str, room_id: str, asked_id: str, left: float) -> dict[str, Any]:
    """The bot's reply to message ``asked_id``, polled through the console API."""
    deadline = time.monotonic() + left
    while time.monotonic() < deadline:
        url = f"{console}api/rooms/{room_id}/messages"
        got = requests.get(url, params={"as": ADMIN}, timeout=5)
        got.raise_for_status()
        for message in got.json()["items"]:
            if message.get("parentId") == asked_id and message["person"].get("isBot"):
                reply: dict[str, Any] = message
                return reply
        time.sleep(0.2)
    raise AssertionError("the bot did not answer within a minute")


def test_a_fresh_checkout_without_a_token_serves_a_working_console_within_a_minute(
    served: Served, tmp_path: Path
) -> None:
    console = served.wait_for_line(CONSOLE_LINE).group(1)

    page = requests.get(console, timeout=5)
    assert page.status_code == 200
    assert "Onboard Bot" in page.text

    reply = say_in_group(console, "status pending", served.left())
    assert "pending" in reply["markdown"].lower()
    assert [a["contentType"] for a in reply["attachments"]] == [CARD_TYPE]
    elapsed = time.monotonic() - served.started
    assert elapsed < BUDGET_SECONDS, f"console answered after {elapsed:.1f} s"
    # A fresh checkout gets its own database in ./var, created on the way.
    assert (tmp_path / "fresh" / "var" / "onboard-bot.db").exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _console_port(running: Served) -> int:
    url = running.wait_for_line(CONSOLE_LINE).group(1)
    assert requests.get(url, timeout=5).status_code == 200
    return int(url.split(":")[2].split("/")[0])


def test_the_console_keeps_its_port_across_restarts_unless_it_is_taken(tmp_path: Path) -> None:
    port = _free_port()
    for _ in range(2):  # a restart gets the same address (and the browser's remembered space)
        running = spawn(tmp_path, "--console-port", str(port))
        try:
            assert _console_port(running) == port
        finally:
            stop(running)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        running = spawn(tmp_path, "--console-port", str(port))
        try:
            other = _console_port(running)
            assert other != port
            assert f"Console port {port} is taken; the console uses {other}" in "\n".join(
                running.lines
            )
        finally:
            stop(running)
