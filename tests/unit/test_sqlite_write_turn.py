"""SQLite's write turn between the processes of one ``serve``: the intake's writers go first.

Real processes (fork) and a real lock file, as ``serve`` and its worker processes share them.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from storage.db import _DEFER_MAX, _WAITING, _WriteLock


def _wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.0005)


def test_a_waiting_intake_writer_goes_before_a_worker_process_that_asks_again(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.db.write-turn"
    lock = _WriteLock(path)
    lock.prefer()  # this process is the intake; the forked child is a worker process
    order_read, order_write = os.pipe()
    go_read, go_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker process: holds the turn, lets go once the intake waits, asks again
        code = 1
        try:
            assert lock.acquire()
            os.write(order_write, b"h")  # holding
            os.read(go_read, 1)  # the intake is waiting now
            lock.release()
            assert lock.acquire()  # asks again at once: must let the intake in first
            os.write(order_write, b"w")
            lock.release()
            code = 0
        finally:
            os._exit(code)
    assert os.read(order_read, 1) == b"h"
    got = threading.Event()

    def intake() -> None:
        assert lock.acquire()
        os.write(order_write, b"i")
        time.sleep(0.05)  # the intake's INSERT and commit
        lock.release()
        got.set()

    thread = threading.Thread(target=intake)
    thread.start()
    with path.open("rb") as flag:
        _wait_for(lambda: os.pread(flag.fileno(), 1, 0) == _WAITING)
    os.write(go_write, b"g")
    thread.join(10)
    assert got.is_set()
    assert os.read(order_read, 1) == b"i"  # the intake first
    assert os.read(order_read, 1) == b"w"  # then the worker process
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with path.open("rb") as flag:
        assert os.pread(flag.fileno(), 1, 0) != _WAITING  # cleared once the intake had it


def test_a_flag_left_by_a_killed_intake_holds_the_others_back_briefly_only(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.db.write-turn"
    path.write_bytes(_WAITING)  # the intake was killed while it waited
    worker = _WriteLock(path)  # never preferred: a worker process
    started = time.monotonic()
    assert worker.acquire()
    waited = time.monotonic() - started
    worker.release()
    assert _DEFER_MAX <= waited < 1.0  # held back, then takes the turn (not the busy timeout)
