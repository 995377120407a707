"""The workers of ``serve`` in child processes, so an acknowledgement never waits for a command.

One Python process has one GIL. With the event workers and senders in the webhook process, a
webhook's acknowledgement waited for the GIL behind every command being run (about 20 ms of CPU
each), and under a burst the intake answered in tens of milliseconds instead of one; and one
process runs commands on one core at most. Here ``serve`` forks before it binds its port: the
parent keeps the intake (waitress, the verify-record-wake of bot/web.py, the websocket intake) and
``engine.worker_processes`` children each run a ``Runtime`` (workers, senders, heartbeat; the
first also the scheduler, the OAuth refresh and the probe) at a lower CPU priority
(``engine.worker_nice``), so that on a busy machine Webex gets its 200 first and the work fills
the gaps. ``WorkerProcess`` is the parent's handle on one child, ``WorkerProcesses`` on them all.

The parent and a child talk through two inherited descriptors:

* a pipe the parent writes one byte to for a recorded event (non-blocking; a full pipe means the
  child has wakes to read already): the child wakes its worker pool's feeder;
* a socket pair for the few questions the parent asks (``start``, ``problems`` for ``/readyz``,
  ``metrics`` for ``/metrics``), one JSON line each way, each answer carrying its question's
  number.

Nothing else is shared: each opens its own database connections (the SQLite write turn is an
``flock`` between them, storage/db.py), and each child's claims carry its own identity, so a crash
of any is what a crash of a single process was. On SQLite the parent records webhooks into the
intake journal (storage/journal.py), created before the fork, and each child imports from it
before it claims. The children die with the parent
(``PR_SET_PDEATHSIG`` on Linux; elsewhere they stop when the wake pipe closes); a child that dies
on its own makes the parent drain and exit non-zero, for the supervisor to restart it all (a
``serve`` that acknowledges events fewer workers than configured work off must not look
healthy). SIGTERM to the parent drains the intake first, then stops the children, which finish
what they hold.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any, NoReturn

from bot.metrics import INTAKE_FAMILIES, Metrics, merge_expositions
from bot.runtime import Runtime
from bot.webex import WebexGateway

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
#: How long the parent waits for an answer of the child (``/readyz``, ``/metrics``).
ASK_TIMEOUT = 5.0


class WorkerProcess:
    """The parent's handle on one child running a ``Runtime``: forks, wakes, asks and stops it.

    ``WorkerProcesses`` stands where a ``Runtime`` stands for ``create_app`` and the websocket
    intake, over one or several of these.
    """

    def __init__(
        self,
        build: Callable[[], Runtime],
        *,
        nice: int,
        on_exit: Callable[[], None] = lambda: None,
    ) -> None:
        self.started = False
        self._build = build
        self._nice = nice
        self._on_exit = on_exit
        self._pid = 0
        self._wake = -1
        self._socket: socket.socket | None = None
        self._buffer = b""
        self._asked = 0  # questions asked; each answer carries its question's number
        self._ask_lock = threading.Lock()
        self._exited = threading.Event()
        self._stopping = False
        self.exit_status: int | None = None
        self.died = False  # exited on its own and not cleanly (a crash, a kill)

    @property
    def pid(self) -> int:
        """The child's process id (0 before ``fork``)."""
        return self._pid

    def fork(self) -> WorkerProcess:
        """Create the child; it waits for ``start()`` before it claims anything."""
        wake_read, wake_write = os.pipe()
        ours, theirs = socket.socketpair()
        parent = os.getpid()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(wake_write)
            ours.close()
            _child_main(self._build, wake_read, theirs, parent, self._nice)
        os.close(wake_read)
        theirs.close()
        os.set_blocking(wake_write, False)
        ours.settimeout(ASK_TIMEOUT)
        self._pid, self._wake, self._socket = pid, wake_write, ours
        threading.Thread(target=self._reap, name="onboard-worker-reaper", daemon=True).start()
        return self

    def start(self) -> WorkerProcess:
        """Let the child start its threads (the parent has bound its port)."""
        answer = self._ask("start", timeout=60.0)
        if not answer.get("ok"):
            raise RuntimeError(f"the worker process did not start: {answer.get('error')}")
        self.started = True
        log.info("worker process %d started", self._pid)
        return self

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the child (it finishes what it holds) and wait for it; kill it after ``timeout``."""
        self._stopping = True
        if not self.started and self._socket is not None:
            self._socket.close()  # a child still waiting for start() ends at once
            self._socket = None
            self._exited.wait(timeout)
        if self._pid and not self._exited.is_set():
            _signal(self._pid, signal.SIGTERM)
            if not self._exited.wait(timeout):
                log.error("worker process %d did not stop in %.0f s: killed", self._pid, timeout)
                _signal(self._pid, signal.SIGKILL)
                self._exited.wait(5.0)
        if self._wake >= 0:
            os.close(self._wake)
            self._wake = -1
        self.started = False

    def wake_worker(self) -> None:
        """A new event was recorded: one byte down the pipe (never blocks the intake)."""
        if self._wake < 0:
            return  # stopped: the events wait in the database for the next start
        # BlockingIOError: the pipe is full of wakes the child has yet to read; it is awake.
        with contextlib.suppress(BlockingIOError):
            os.write(self._wake, b"w")

    def problems(self) -> list[str]:
        """What the child's workers and services find wrong (for ``/readyz``)."""
        if self._exited.is_set():
            return [f"worker process: not running (exit status {self.exit_status})"]
        try:
            return list(self._ask("problems").get("problems", []))
        except (OSError, ValueError) as exc:
            return [f"worker process: not answering ({type(exc).__name__})"]

    def ask_metrics(self) -> dict[str, Any]:
        """The child's families but the intake's, as exposition text and their names."""
        return self._ask("metrics")

    def _ask(self, question: str, timeout: float = ASK_TIMEOUT) -> dict[str, Any]:
        sock = self._socket
        if sock is None or self._exited.is_set():
            raise ConnectionError("the worker process is not running")
        with self._ask_lock:
            self._asked += 1
            number = self._asked
            sock.settimeout(timeout)
            sock.sendall(json.dumps({"ask": question, "n": number}).encode() + b"\n")
            while True:
                while b"\n" not in self._buffer:
                    chunk = sock.recv(65536)
                    if not chunk:
                        raise ConnectionError("the worker process closed its socket")
                    self._buffer += chunk
                line, _, self._buffer = self._buffer.partition(b"\n")
                answer = json.loads(line)
                if not isinstance(answer, dict):
                    raise ValueError("not an answer")
                # An answer that came after its question timed out is not this one's.
                if answer.get("n") == number:
                    return answer

    def _reap(self) -> None:
        _, status = os.waitpid(self._pid, 0)
        self.exit_status = os.waitstatus_to_exitcode(status)
        self._exited.set()
        if not self._stopping:
            # Stopped on its own: SIGTERM sent to the whole group (systemd's default) is a clean
            # stop of both halves; anything else is a crash, for the supervisor to see.
            self.died = self.exit_status != 0
            log.log(
                logging.ERROR if self.died else logging.INFO,
                "worker process %d exited on its own (status %s): stopping the intake too",
                self._pid,
                self.exit_status,
            )
            self._on_exit()


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _die_with(parent: int) -> None:
    """Be killed when the parent dies, however it dies (Linux); else the wake pipe tells."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before prctl took effect
        os._exit(1)


def _child_main(
    build: Callable[[], Runtime], wake: int, sock: socket.socket, parent: int, nice: int
) -> NoReturn:
    code = 1
    try:
        _die_with(parent)
        if nice:
            os.nice(nice)
        stopping = threading.Event()
        signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops us in order
        code = _Child(build, wake, sock, stopping).run()
    except BaseException:
        log.exception("the worker process failed")
    finally:
        logging.shutdown()
        os._exit(code)


class _Child:
    """The child's side: answers the parent, forwards wakes, runs the runtime until told."""

    def __init__(
        self,
        build: Callable[[], Runtime],
        wake: int,
        sock: socket.socket,
        stopping: threading.Event,
    ) -> None:
        self._build = build
        self._wake = wake
        self._socket = sock
        self._stopping = stopping
        self._lines = sock.makefile("rb")
        self.runtime: Runtime | None = None

    def run(self) -> int:
        first = self._lines.readline()
        if not first:
            return 0  # the parent gave up before starting us (its port was taken)
        number = json.loads(first).get("n")
        try:
            self.runtime = self._build().start()
        except Exception as exc:
            log.exception("the worker process could not start")
            self._answer({"ok": False, "error": f"{type(exc).__name__}: {exc}", "n": number})
            return 1
        self._answer({"ok": True, "n": number})
        for target, name in ((self._answers, "answers"), (self._wakes, "wakes")):
            threading.Thread(target=target, name=f"onboard-child-{name}", daemon=True).start()
        while not self._stopping.is_set():
            self._stopping.wait(0.5)  # in slices: the SIGTERM handler runs between them
        log.info("worker process stopping: finishing what it holds")
        self.runtime.stop()
        return 0

    def _answer(self, answer: dict[str, Any]) -> None:
        self._socket.sendall(json.dumps(answer).encode() + b"\n")

    def _answers(self) -> None:
        runtime = self.runtime
        assert runtime is not None
        for line in self._lines:
            number = None
            try:
                asked = json.loads(line)
                question, number = asked.get("ask"), asked.get("n")
                if question == "problems":
                    found = list(runtime.problems())
                    for service in runtime.services:
                        report = getattr(service, "problems", None)
                        if callable(report):
                            found += report()
                    self._answer({"problems": found, "n": number})
                elif question == "metrics":
                    text, families = runtime.metrics.render_part(without=INTAKE_FAMILIES)
                    self._answer({"text": text.decode(), "families": families, "n": number})
                else:
                    self._answer({"error": f"unknown question {question!r}", "n": number})
            except OSError:
                return
            except Exception as exc:  # one bad answer must not end the conversation
                log.exception("the worker process could not answer")
                self._answer({"error": type(exc).__name__, "n": number})
        self._stopping.set()  # the parent is gone

    def _wakes(self) -> None:
        runtime = self.runtime
        assert runtime is not None
        while True:
            try:
                data = os.read(self._wake, 4096)
            except OSError:
                data = b""
            if not data:  # the parent closed its end: it is stopping or gone
                self._stopping.set()
                return
            runtime.wake_worker()


class WorkerProcesses:
    """Several worker processes behind one intake: one core each at most, so a burst drains on
    all of them. Stands where a ``Runtime`` stands, as ``WorkerProcess`` does.

    A new event wakes one of them in turn (its feeder claims the oldest due events, whichever
    they are; a busy one's handlers wake it again as they finish, and a claim keeps each space
    in order across processes). ``/readyz`` lists the problems of all; ``/metrics`` adds their
    counters and histograms up and takes gauges from the first, which runs the probe, the
    scheduler and the OAuth refresh.
    """

    def __init__(
        self, children: list[WorkerProcess], *, gateway: WebexGateway, metrics: Metrics
    ) -> None:
        if not children:
            raise ValueError("at least one worker process")
        self.children = children
        self.gateway = gateway
        self.metrics = metrics  # the intake's own counters
        self.services: list[Any] = []  # the children's services answer through problems()
        self._turn = 0

    @property
    def died(self) -> bool:
        """Whether one of them exited on its own and not cleanly."""
        return any(child.died for child in self.children)

    def fork(self) -> WorkerProcesses:
        """Create every child (each waits for ``start()``)."""
        for child in self.children:
            child.fork()
        return self

    def start(self) -> WorkerProcesses:
        """Let every child start its threads."""
        for child in self.children:
            child.start()
        return self

    def stop(self, timeout: float = 15.0) -> None:
        """Stop them all at once (each finishes what it holds) and wait for each."""
        threads = [
            threading.Thread(target=child.stop, args=(timeout,), daemon=True)
            for child in self.children
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout + 10)

    def wake_worker(self) -> None:
        """A new event: wake the next child in turn (waking all made every feeder claim)."""
        child = self.children[self._turn % len(self.children)]
        self._turn += 1
        child.wake_worker()

    def problems(self) -> list[str]:
        """What any child finds wrong, each once."""
        found = [problem for child in self.children for problem in child.problems()]
        return list(dict.fromkeys(found))

    def render_metrics(self) -> bytes:
        """The intake's families from here; the children's, added up."""
        texts: list[str] = []
        for child in self.children:
            try:
                answer = child.ask_metrics()
            except (OSError, ValueError) as exc:
                log.warning("worker process %d gave no metrics: %s", child.pid, exc)
                continue
            texts.append(str(answer.get("text", "")))
        theirs, names = merge_expositions(texts)
        ours, _ = self.metrics.render_part(without=set(names) - INTAKE_FAMILIES)
        return ours + theirs
