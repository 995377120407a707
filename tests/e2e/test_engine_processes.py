"""Real ``serve`` processes killed mid-burst: nothing lost, nothing doubled, back within seconds.

The Webex stand-in runs in the test process, so it outlives the bot. A burst of commands from many
spaces is accepted (every webhook answered 200), then the bot is killed with SIGKILL (no cleanup)
or stopped with SIGTERM while replies are still going out. After a restart, or on a second process
sharing PostgreSQL, every command has exactly one answer, and the last one is out within 10 s.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import requests

from tests.support.engine import BotProcess, Burst, Outcome, watch_arrivals

pytestmark = pytest.mark.slow

COMMANDS = 60
SPACES = 10
RECOVERY_BUDGET = 10.0


@pytest.fixture
def processes() -> Iterator[list[BotProcess]]:
    started: list[BotProcess] = []
    yield started
    for process in started:
        process.stop()


def _burst_then(webex, bot: BotProcess, *, answered_at_least: int = 5) -> Burst:
    """Send the burst slowly enough (API latency) that the bot is mid-way when this returns."""
    webex.emulator.latency = 0.2  # Webex's usual 100-300 ms per call
    burst = Burst(webex, spaces=SPACES)
    burst.send(COMMANDS, "help")
    burst.wait_deliveries()
    deadline = time.monotonic() + 30
    while burst.answered_count() < answered_at_least and time.monotonic() < deadline:
        time.sleep(0.02)
    return burst


def _answered_once_each(burst: Burst, arrivals: threading.Event | None = None) -> Outcome:
    """Wait for the burst's answers (then stop ``arrivals``): each command answered exactly once,
    in the order asked."""
    burst.wait_answered(timeout=30)
    outcome = burst.outcome()
    if arrivals is not None:
        arrivals.set()
    assert outcome.unanswered == [] and outcome.doubled == [], outcome.summary()
    assert outcome.out_of_order == []
    return outcome


def test_kill_9_mid_burst_then_restart_answers_everything_once(webex, tmp_path, processes):
    arrivals = watch_arrivals(webex)
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    first = BotProcess(webex, tmp_path / "run1", database_url=url, instance="kill-9")
    processes.append(first.start())
    burst = _burst_then(webex, first)
    first.kill()
    before = burst.answered_count()
    assert before < COMMANDS, "the burst was over before the kill"
    second = BotProcess(webex, tmp_path / "run2", database_url=url, instance="kill-9")
    restarted = time.monotonic()
    processes.append(second.start())
    listening = time.monotonic() - restarted
    outcome = _answered_once_each(burst, arrivals)
    assert outcome.last_answer_at is not None
    recovery = outcome.last_answer_at - restarted
    print(
        f"kill -9: {before} answered before, {outcome.summary()}; last reply {recovery:.1f} s "
        f"after the restart (listening after {listening:.1f} s)"
    )
    # The budget counts from the moment the new process serves: its start-up (imports and
    # migrations, 2-8 s on a loaded CI machine) is not the engine's to shorten.
    assert recovery - listening <= RECOVERY_BUDGET
    assert "took back" in second.output()


def test_sigterm_mid_burst_stops_accepting_finishes_and_exits_cleanly(webex, tmp_path, processes):
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    first = BotProcess(webex, tmp_path / "run1", database_url=url, instance="sigterm")
    processes.append(first.start())
    keep_alive = requests.Session()
    assert keep_alive.get(f"{first.url}/healthz", timeout=5).status_code == 200
    burst = _burst_then(webex, first)
    stopping = time.monotonic()
    code = first.terminate(timeout=30)
    stopped_in = time.monotonic() - stopping
    assert code == 0
    output = first.output()
    assert "Bad file descriptor" not in output and "Traceback" not in output, output
    with pytest.raises(requests.ConnectionError):  # the kept-alive connection is gone too
        keep_alive.get(f"{first.url}/healthz", timeout=5)
    second = BotProcess(webex, tmp_path / "run2", database_url=url, instance="sigterm")
    restarted = time.monotonic()
    processes.append(second.start())
    outcome = _answered_once_each(burst)
    print(
        f"SIGTERM: exited in {stopped_in:.1f} s; {outcome.summary()}; "
        f"all answered {time.monotonic() - restarted:.1f} s after the restart"
    )


@pytest.mark.postgres
def test_two_processes_on_postgres_one_killed_the_other_takes_over(
    webex, tmp_path, processes, fresh_postgres
):
    arrivals = watch_arrivals(webex)
    a = BotProcess(webex, tmp_path / "a", database_url=fresh_postgres, instance="pg-a")
    b = BotProcess(webex, tmp_path / "b", database_url=fresh_postgres, instance="pg-b")
    processes.append(b.start(register=False))
    processes.append(a.start())
    burst = _burst_then(webex, a)
    a.kill()
    killed = time.monotonic()
    assert burst.answered_count() < COMMANDS, "the burst was over before the kill"
    # Webex delivers again, now to the other process: waiting events become due there at once.
    b.register()
    for delivery in list(webex.emulator.deliveries()):
        webex.emulator.deliver_again(delivery.id)
    outcome = _answered_once_each(burst, arrivals)
    assert outcome.last_answer_at is not None
    recovery = outcome.last_answer_at - killed
    print(f"two processes: {outcome.summary()}; last reply {recovery:.1f} s after the kill")
    assert recovery <= RECOVERY_BUDGET
