"""The quick version of every ``make chaos`` case: faults and crashes, every command answered once.

Each case runs the stand-in, the fault proxy and real ``onboard-bot serve`` processes (see
``bench.chaos``); a case passes when every command sent got exactly one reply, and after a
crash the last reply came within 10 s of the restart. Cases the engine still fails carry the
``chaos`` marker, which ``make test`` deselects (``pytest -m chaos`` runs them); remove a case
from ``STILL_FAILING`` when the engine passes it.
"""

from __future__ import annotations

import os

import pytest

from bench.chaos import CASES, Skipped, line, run_case

pytestmark = pytest.mark.slow

POSTGRES_CASES = {"two-postgres", "db-read-only"}
# Cases the engine still fails (none today). The latency spike passes since a POST that timed
# out is checked for only after one more client timeout (bot.delivery.landing_wait).
STILL_FAILING: set[str] = set()


def _param(name: str) -> object:
    marks = [pytest.mark.chaos] if name in STILL_FAILING else []
    if name in POSTGRES_CASES:
        marks.append(pytest.mark.postgres)
    return pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", [_param(n) for n in CASES])
def test_every_command_is_answered_exactly_once(name: str, monkeypatch: pytest.MonkeyPatch):
    if name in POSTGRES_CASES and not os.environ.get("ONBOARD_TEST_POSTGRES_URL"):
        pytest.skip("ONBOARD_TEST_POSTGRES_URL is not set")
    # One worker process per bot: on a 2-core test machine the default (CPUs + 1) per bot,
    # beside the stand-in, the proxy and the test, only makes the cases slower
    # (tests/e2e/test_worker_process.py runs several); make chaos runs the default.
    monkeypatch.setenv("CHAOS_WORKER_PROCESSES", "1")
    # Faults of seconds, not minutes: a backoff capped at 2 s (not 60) ends each case soon after
    # its fault instead of up to a doubled backoff later; make chaos keeps the default.
    monkeypatch.setenv("CHAOS_MAX_BACKOFF", "2")
    try:
        outcome = run_case(name, quick=True)
    except Skipped as exc:
        pytest.skip(str(exc))
    assert outcome.lost == 0, line(outcome)
    assert outcome.doubled == 0, line(outcome)
    assert outcome.passed, line(outcome)
