"""``serve`` runs its workers in child processes: they answer, report, and live and die with it.

Real ``serve`` processes against the stand-in in the test process. The child is found by the
line it logs at start (``worker process <pid> started``); a process is gone when ``/proc`` no
longer has it (or has it as a zombie of the test process).
"""

from __future__ import annotations

import os
import re
import signal
import time

import pytest
import requests

from tests.support.emulator import ADMIN_EMAIL
from tests.support.engine import BotProcess

pytestmark = pytest.mark.slow

STARTED = re.compile(r"worker process (\d+) started")


CHILDREN = 2


def _children_of(bot: BotProcess) -> list[int]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [int(pid) for pid in STARTED.findall(bot.output())]
        if len(found) == CHILDREN:
            return found
        time.sleep(0.05)
    raise AssertionError(f"not every worker process was started:\n{bot.output()[-3000:]}")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def _answers(webex, bot: BotProcess) -> dict:
    room = webex.group_room()
    asked = webex.emulator.send_as(ADMIN_EMAIL, room["id"], "help")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not webex.emulator.replies_to(asked["id"]):
        time.sleep(0.05)
    return asked


@pytest.fixture
def bot(webex, tmp_path):
    process = BotProcess(
        webex,
        tmp_path / "run",
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        instance="wp",
        engine={"worker_processes": CHILDREN},
    )
    yield process.start()
    process.stop()


def test_the_children_answer_and_metrics_and_readiness_come_from_all(webex, bot):
    children = _children_of(bot)
    assert all(_alive(child) for child in children) and bot.process.pid not in children
    asked = _answers(webex, bot)
    assert len(webex.emulator.replies_to(asked["id"])) == 1
    delivered = "onboard_replies_delivered_total 1.0"
    deadline = time.monotonic() + 10  # the reply is in Webex a moment before it is settled
    while delivered not in (text := requests.get(f"{bot.url}/metrics", timeout=10).text):
        assert time.monotonic() < deadline, text
        time.sleep(0.1)
    # The intake's counter from the parent, the worker's and the sender's from the child.
    assert 'onboard_webhooks_received_total{resource="messages"} 1.0' in text
    assert 'onboard_commands_total{command="help",outcome="ok"} 1.0' in text
    names = [line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")]
    assert len(names) == len(set(names)), "a family reported by both processes"
    # Readiness asks the child (its problems would be listed); this process has no public URL,
    # so the websocket intake's state is the one problem.
    ready = requests.get(f"{bot.url}/readyz", timeout=10).json()
    assert ready["checks"]["database"] == "ok"
    assert ready["problems"] == ["websocket not connected yet"], ready


def test_kill_9_of_serve_takes_its_worker_processes_along(webex, bot):
    children = _children_of(bot)
    bot.kill()
    assert all(_gone_within(child, 5.0) for child in children), "a worker process outlived serve"


def test_a_worker_process_that_dies_stops_serve_for_its_supervisor(webex, bot):
    first, second = _children_of(bot)
    os.kill(second, signal.SIGKILL)
    assert bot.process is not None
    code = bot.process.wait(20)  # drains the intake, then exits
    assert code != 0
    assert "exited on its own" in bot.output()
    assert _gone_within(first, 5.0), "the other worker process outlived serve"


def test_sigterm_stops_every_process_cleanly(webex, bot):
    children = _children_of(bot)
    _answers(webex, bot)
    assert bot.terminate(timeout=30) == 0
    assert all(_gone_within(child, 5.0) for child in children)
    output = bot.output()
    assert "worker process stopping" in output and "Traceback" not in output, output
