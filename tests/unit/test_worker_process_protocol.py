"""The parent and its worker process: start, wake, problems and metrics across the fork, stop.

A real fork with a stand-in runtime (no database, no Webex): what crosses the pipe and the socket
pair is what ``serve`` relies on for ``/readyz`` and ``/metrics``.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.metrics import Metrics, merge_expositions
from bot.worker_process import WorkerProcess, WorkerProcesses


class _Service:
    def problems(self) -> list[str]:
        return ["digest scheduler: not leading"]


class _Runtime:
    """Counts wakes in a metric, so the parent can see them through ``/metrics``."""

    def __init__(self) -> None:
        self.metrics = Metrics()
        self.services: list[Any] = [_Service()]

    def start(self) -> _Runtime:
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Nothing of it runs in threads, so there is nothing to stop."""

    def problems(self) -> list[str]:
        return ["Webex refused to let the bot read a message (401)"]

    def wake_worker(self) -> None:
        self.metrics.commands.labels("wake", "ok").inc()


@pytest.fixture
def worker() -> Any:
    process = WorkerProcess(_Runtime, nice=0).fork()  # type: ignore[arg-type]
    yield process
    process.stop(timeout=5)


@pytest.fixture
def workers(worker: WorkerProcess) -> WorkerProcesses:
    """The parent's view over that one child, as ``serve`` has it."""
    return WorkerProcesses([worker], gateway=None, metrics=Metrics())  # type: ignore[arg-type]


def test_problems_of_the_child_and_its_services_reach_the_parent(worker: WorkerProcess) -> None:
    worker.start()
    assert worker.problems() == [
        "Webex refused to let the bot read a message (401)",
        "digest scheduler: not leading",
    ]


def test_wakes_cross_the_pipe_and_metrics_come_from_both_sides_once(
    workers: WorkerProcesses,
) -> None:
    workers.start()
    workers.metrics.webhooks_received.labels("messages").inc(3)
    for _ in range(3):
        workers.wake_worker()
    # Wakes coalesce: bytes the child reads at once wake its feeder once.
    wanted = 'onboard_commands_total{command="wake",outcome="ok"}'
    deadline = time.monotonic() + 5
    while wanted not in (text := workers.render_metrics().decode()):
        assert time.monotonic() < deadline, text
        time.sleep(0.02)
    assert 'onboard_webhooks_received_total{resource="messages"} 3.0' in text
    names = [line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")]
    assert len(names) == len(set(names))


def test_a_stopped_child_exits_cleanly_and_says_so(worker: WorkerProcess) -> None:
    worker.start()
    worker.stop(timeout=5)
    assert worker.exit_status == 0 and not worker.died
    assert worker.problems() == [f"worker process: not running (exit status {0})"]
    worker.wake_worker()  # after the stop: a no-op, never an error in the intake


def test_a_child_never_started_ends_when_the_parent_gives_up(worker: WorkerProcess) -> None:
    worker.stop(timeout=5)  # e.g. the port was taken
    assert worker.exit_status == 0


def test_several_children_take_wakes_in_turn_and_their_counters_add_up() -> None:
    metrics = Metrics()
    children = [WorkerProcess(_Runtime, nice=0) for _ in range(2)]  # type: ignore[arg-type]
    workers = WorkerProcesses(children, gateway=None, metrics=metrics)  # type: ignore[arg-type]
    workers.fork().start()
    try:
        for _ in range(2):  # one wake to each
            workers.wake_worker()
        deadline = time.monotonic() + 5
        wanted = 'onboard_commands_total{command="wake",outcome="ok"} 2.0'
        while wanted not in (text := workers.render_metrics().decode()):
            assert time.monotonic() < deadline, text
            time.sleep(0.02)
        names = [line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")]
        assert len(names) == len(set(names))
        # Problems of both, each once (both children say the same).
        assert workers.problems() == [
            "Webex refused to let the bot read a message (401)",
            "digest scheduler: not leading",
        ]
    finally:
        workers.stop(timeout=5)
    assert [child.exit_status for child in children] == [0, 0] and not workers.died


def test_merged_expositions_add_counts_and_keep_the_first_gauge() -> None:
    one, two = Metrics(), Metrics()
    one.commands.labels("help", "ok").inc(2)
    two.commands.labels("help", "ok").inc(3)
    two.commands.labels("status", "ok").inc()
    one.command_seconds.labels("help").observe(0.02)
    two.command_seconds.labels("help").observe(0.2)
    one.webex_reachable.set(1)
    two.webex_reachable.set(0)
    text, names = merge_expositions([one.render().decode(), two.render().decode()])
    merged = text.decode()
    assert 'onboard_commands_total{command="help",outcome="ok"} 5.0' in merged
    assert 'onboard_commands_total{command="status",outcome="ok"} 1.0' in merged
    assert 'onboard_command_duration_seconds_count{command="help"} 2.0' in merged
    assert 'onboard_command_duration_seconds_bucket{command="help",le="0.025"} 1.0' in merged
    assert "onboard_webex_reachable 1.0" in merged
    assert "onboard_commands" in names and "onboard_webex_reachable" in names
