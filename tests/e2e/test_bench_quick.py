"""``BENCH_QUICK=1 python -m bench`` (``make bench``, small) runs end to end, so it cannot rot.

The quick run starts the stand-in, the bare endpoint, the in-request bot and ``onboard-bot
serve`` as real processes and measures each. The figures themselves depend on the machine; what
is checked is that every figure was measured, that the bots answered every command once, and
that the injected latency really reached the in-request bot (its ack includes five API calls).
The websocket intake's figure (event pushed -> reply, beside the webhook's) and the storage part
run after it, then the 90-day trend chart, from the same command.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bench.harness import StandIn

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_the_quick_bench_measures_all_three_servers_the_websocket_intake_storage_and_trend(
    tmp_path: Path,
):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("WEBEX_", "ONBOARD_", "BENCH_")) and k != "DATABASE_URL"
    }
    env.update(BENCH_QUICK="1", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "bench"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "targets (issue 10)" in done.stdout
    results = json.loads((tmp_path / ".bench" / "engine.json").read_text())
    rows = {r["server"]: r for r in results["results"]}
    assert set(rows) == {"bare", "in-request", "onboard-bot"}
    latency = results["plan"]["latencies"][0]
    for name, row in rows.items():
        for key in ("ack_seq_p99_ms", "ack_8c_p99_ms", "acks_per_s", "cpu_ms_per_command"):
            assert math.isfinite(row[key]) and row[key] > 0, (name, key, row[key])
        assert row["ack_seq_errors"] == row["ack_8c_errors"] == 0, name
    for name in ("in-request", "onboard-bot"):
        row = rows[name]
        assert row["burst_answered"] == row["burst_n"], name
        assert row["burst_doubled"] == 0, name
        assert row["unanswered_after_acks"] == 0, name
        # A reply needs at least the message fetch and the post: two round trips.
        assert row["turnaround_p50_ms"] >= 2 * latency, name
    assert rows["in-request"]["ack_seq_p50_ms"] >= 5 * latency
    # The measured round trip costs at least the latency injected, and makes the second budget.
    trip = rows["onboard-bot"]["api_round_trip_p50_ms"]
    assert trip >= latency
    assert rows["onboard-bot"]["turnaround_measured_budget_ms"] == 2 * trip + 20
    assert len(results["checks"]) == 7
    charts = sorted((tmp_path / ".bench").glob("engine_*.png"))
    assert len(charts) == 12
    assert all(path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for path in charts)
    websocket = json.loads((tmp_path / ".bench" / "websocket.json").read_text())
    points = {(r["intake"], r["latency_ms"]): r for r in websocket["results"]}
    assert set(points) == {(i, ms) for i in ("websocket", "webhook") for ms in (0.0, 100.0)}
    for (intake, ms), row in points.items():
        assert row["answered"] == row["n"] > 0, (intake, ms)
        # At 100 ms a reply needs at least the message fetch and the post: two round trips.
        assert row["turnaround_p50_ms"] >= (200 if ms else 0), (intake, ms)
    assert len(sorted((tmp_path / ".bench").glob("websocket_*.png"))) == 2
    assert (tmp_path / ".bench" / "storage.json").exists(), "the storage part did not run"
    trend = json.loads((tmp_path / ".bench" / "trend_chart.json").read_text())
    assert trend["subscribers"] == trend["transitions"] == 5000
    assert 0 < trend["total_seconds"] <= trend["median_total_seconds"] * 1.0001
    assert "target (issue 14)" in done.stdout


def test_the_stand_in_delays_every_api_call_by_the_injected_latency_and_not_its_control_api():
    standin = StandIn.start(people=2, rooms=1, latency_ms=300)
    try:
        me = f"{standin.api_url}people/me"
        auth = {"Authorization": f"Bearer {standin.bot_token}"}
        started = time.monotonic()
        assert requests.get(me, headers=auth, timeout=5).status_code == 200
        slow = time.monotonic() - started
        started = time.monotonic()
        standin.set_latency(0)
        control = time.monotonic() - started
        started = time.monotonic()
        assert requests.get(me, headers=auth, timeout=5).status_code == 200
        fast = time.monotonic() - started
    finally:
        standin.stop()
    assert slow >= 0.3
    assert control < 0.25
    assert fast < 0.25
