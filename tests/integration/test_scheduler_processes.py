"""Two scheduler processes against one database: one post per firing, and takeover on SIGKILL.

Run as a script, this module is one of those processes (see ``_child``).
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from storage.uow import Database

EVERY = 2  # seconds between firings
HEARTBEAT = 0.3
LEASE = 2.0
TABLE = "aps_jobs_processes"


def _child(url: str, files: str) -> None:
    from bot.bootstrap import build_bot
    from bot.scheduler import DigestScheduler
    from bot.settings import Settings

    bot = build_bot(Settings(database_url=url, files_dir=Path(files)))
    sched = DigestScheduler(
        bot,
        name="processes",
        grace=timedelta(seconds=30),
        heartbeat=HEARTBEAT,
        lease=timedelta(seconds=LEASE),
        tablename=TABLE,
    )
    sched.on_leadership = lambda leading: print(
        f"{'LEADER' if leading else 'FOLLOWER'} {os.getpid()} {time.time():.3f}", flush=True
    )
    signal.signal(signal.SIGTERM, lambda *_: sched._stop.set())
    print(f"READY {os.getpid()}", flush=True)
    sched.start()
    sched._stop.wait()
    sched.stop()


def _spawn(url: str, tmp: Path, n: int) -> tuple[subprocess.Popen[bytes], Path]:
    log = tmp / f"child{n}.log"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [sys.executable, __file__, url, str(tmp / "files")],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        env=env,
    )
    return proc, log


def _leader(logs: dict[int, Path], exclude: int | None = None) -> tuple[int, float] | None:
    for pid, log in logs.items():
        if pid == exclude:
            continue
        lines = [
            ln.split()
            for ln in log.read_text().splitlines()
            if ln.startswith(("LEADER", "FOLLOWER"))
        ]
        if lines and lines[-1][0] == "LEADER":
            return pid, float(lines[-1][2])
    return None


def _runs_after(database: Database, digest_id: int, after: float) -> int:
    """How many firings of the digest after the epoch second ``after`` are recorded."""
    with database.engine.connect() as conn:
        times = conn.execute(
            sa.text("SELECT fire_time FROM digest_runs WHERE digest_id = :d"), {"d": digest_id}
        ).scalars()
        return sum(1 for t in times if _utc(t).timestamp() > after)


def _utc(value: object) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed.replace(tzinfo=UTC)


def _wait_for(predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return None


@pytest.mark.slow
def test_two_processes_post_each_firing_once_and_hand_over(database: Database, tmp_path):
    from bot.bootstrap import build_bot
    from bot.settings import Settings
    from onboarding.digest import Content, Source, add_digest

    url = database.engine.url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, files_dir=tmp_path / "files")
    bot = build_bot(settings, db=database, migrate=False)  # seeds the sandbox once, up front
    digest_id = add_digest(
        database,
        space_id="room-processes",
        cron=f"*/{EVERY} * * * * *",
        timezone="UTC",
        content=Content.ERRORS,
        quiet=False,
        source=Source.CHAT,
        created_by="admin@example.com",
        now=bot.clock.now(),
    ).id
    procs: dict[int, subprocess.Popen[bytes]] = {}
    logs: dict[int, Path] = {}
    try:
        for n in range(2):
            proc, log = _spawn(url, tmp_path, n)
            procs[proc.pid], logs[proc.pid] = proc, log
        first = _wait_for(lambda: _leader(logs), 20)
        assert first is not None, {p: log.read_text()[-2000:] for p, log in logs.items()}
        # Two firings under the first leader (polled, not slept: CI machines are slow).
        assert _wait_for(lambda: _runs_after(database, digest_id, 0) >= 2, 30)
        leader_pid, _ = first
        os.kill(leader_pid, signal.SIGKILL)
        killed_at = time.time()
        procs[leader_pid].wait(5)
        second = _wait_for(lambda: _leader(logs, exclude=leader_pid), 15)
        assert second is not None, logs[next(p for p in logs if p != leader_pid)].read_text()
        handover = second[1] - killed_at
        assert handover < LEASE + 4 * HEARTBEAT + 2, handover
        # Two firings under the survivor.
        assert _wait_for(lambda: _runs_after(database, digest_id, killed_at + 1) >= 2, 30)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(8)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        with database.engine.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {TABLE}"))

    with database.engine.connect() as conn:
        runs = (
            conn.execute(
                sa.text(
                    "SELECT fire_time FROM digest_runs WHERE digest_id = :d ORDER BY fire_time"
                ),
                {"d": digest_id},
            )
            .scalars()
            .all()
        )
        keys = (
            conn.execute(
                # A posted digest's trend chart follows it under "<key>:chart" (issue 14.4).
                sa.text(
                    "SELECT dedupe_key FROM outbox WHERE dedupe_key LIKE :p"
                    " AND dedupe_key NOT LIKE :chart"
                ),
                {"p": f"digest:{digest_id}:%", "chart": "%:chart"},
            )
            .scalars()
            .all()
        )
    fire_times = [_utc(t) for t in runs]
    assert len(fire_times) >= 4, fire_times
    assert len(set(fire_times)) == len(fire_times)  # one run per firing
    assert all(t.second % EVERY == 0 and t.microsecond == 0 for t in fire_times)
    assert len(keys) == len(set(keys)) == len(fire_times)  # one post per firing
    assert {f"digest:{digest_id}:{t.isoformat()}" for t in fire_times} == set(keys)
    gaps = [int((b - a).total_seconds()) for a, b in itertools.pairwise(fire_times)]
    print(f"runs={len(fire_times)} posts={len(keys)} handover={handover:.2f}s gaps={gaps}")
    # The survivor kept posting after the kill.
    assert max(fire_times).timestamp() > killed_at + 1


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2])
