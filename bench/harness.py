"""What the engine benchmark and the chaos runs share: processes, the stand-in, signed webhooks.

Everything runs as real processes on loopback: the stand-in (``bench.standin``), the server
under test (``onboard-bot serve`` or a ``bench.targets`` baseline) and, in the chaos runs, the
fault proxy in between. This module starts them, builds signed ``messages/created`` envelopes for
commands the stand-in holds, posts them over keep-alive connections and waits for the answers
the stand-in saw.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

PYTHON = sys.executable
ONBOARD_BOT = str(Path(sys.executable).with_name("onboard-bot"))
SECRET = "bench-webhook-secret-0123456789abcdef"
LISTENING = re.compile(r"listening on (http://\S+)")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ROOT = Path(__file__).resolve().parents[1]  # the checkout: ``bench`` is not an installed package


def child_env(base: Mapping[str, str] | None = None, **extra: str) -> dict[str, str]:
    """An environment for a child process: no Webex or bot settings of ours leak in."""
    env = {
        k: v
        for k, v in (os.environ if base is None else base).items()
        if not k.startswith(("WEBEX_", "ONBOARD_")) and k != "DATABASE_URL"
    }
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = f"{ROOT}{os.pathsep}{path}" if path else str(ROOT)
    env.update(extra)
    return env


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            # The command name may hold spaces; the fields after its closing parenthesis don't.
            return stat.read().rsplit(")", 1)[1].split()
    except OSError:  # gone meanwhile
        return None


def _cpu_of(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cpu_ticks() -> tuple[int, int]:
    """(all, stolen) CPU ticks of the machine so far (Linux ``/proc/stat``; zeros elsewhere).

    Steal is time a virtual machine's CPUs waited for the host: on a shared host it moves every
    CPU-bound figure of a run, so a run reports it beside its load average.
    """
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return sum(fields), fields[7] if len(fields) > 7 else 0


def steal_percent(before: tuple[int, int], after: tuple[int, int]) -> float:
    """The share of CPU time stolen by the host between two ``cpu_ticks`` readings."""
    total = after[0] - before[0]
    return 100.0 * (after[1] - before[1]) / total if total > 0 else 0.0


def _stats_of_tree(root: int) -> list[list[str]]:
    """The ``/proc`` stat fields of ``root`` and of every live process descending from it."""
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat_fields(int(entry))) is not None:
            stats[int(entry)] = fields
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, f in stats.items() if int(f[1]) in tree} - tree
        tree |= more
        grew = bool(more)
    return [stats[pid] for pid in tree if pid in stats]


class Process:
    """A child process whose output is collected line by line on a thread."""

    def __init__(self, args: Sequence[str], *, env: Mapping[str, str], cwd: Path | None = None):
        self.args = list(args)
        self.popen = subprocess.Popen(
            self.args,
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        assert self.popen.stdout is not None
        threading.Thread(target=self._read, args=(self.popen.stdout,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self.popen.pid

    def wait_line(self, pattern: re.Pattern[str], timeout: float = 60.0) -> re.Match[str]:
        """The first output line matching ``pattern``; raises when the child exits first."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.args[:3]} printed no {pattern.pattern!r}: {self.tail()}")
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError(f"{self.args[:3]} exited early: {self.tail()}")
            found = pattern.search(line)
            if found:
                return found

    def tail(self, n: int = 15) -> str:
        """The last output lines, for error messages."""
        return "\n".join(self.lines[-n:])

    def cpu_seconds(self) -> float:
        """User + system CPU time the process and its children (``serve``'s worker process)
        have used so far (Linux ``/proc``)."""
        return sum(_cpu_of(stat) for stat in _stats_of_tree(self.pid))

    def signal(self, signum: int) -> None:
        """Send a signal (SIGKILL for a crash, SIGTERM for a clean stop)."""
        if self.popen.poll() is None:
            self.popen.send_signal(signum)

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, then SIGKILL if it has not exited within ``timeout``; the exit code."""
        self.signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            return self.popen.wait(5)
        finally:
            if self.popen.stdin is not None:
                self.popen.stdin.close()


# --- the stand-in ---------------------------------------------------------------------------


@dataclass
class Reply:
    """A message the bot posted, as the stand-in saw it (``t`` is ``time.monotonic()``)."""

    t: float
    id: str
    room: str
    parent: str | None


@dataclass
class StandIn:
    """A running ``bench.standin`` process and what it holds."""

    process: Process
    api_url: str
    control_url: str
    bot_token: str
    bot_id: str
    org_id: str
    people: list[str]
    person_ids: dict[str, str]
    rooms: list[str]
    u2c_url: str = ""  # the websocket side's service catalog
    seen: int = 0  # replies read so far through ``replies``
    _replies: list[Reply] = field(default_factory=list)

    @classmethod
    def start(cls, *, people: int = 100, rooms: int = 20, latency_ms: float = 0.0) -> StandIn:
        """Start the stand-in process and read its world."""
        proc = Process(
            [
                PYTHON,
                "-m",
                "bench.standin",
                f"--people={people}",
                f"--rooms={rooms}",
                f"--latency-ms={latency_ms}",
            ],
            env=child_env(),
        )
        world = json.loads(proc.wait_line(re.compile(r"^\{.*\}$")).group(0))
        return cls(process=proc, **world)

    def stop(self) -> None:
        """Stop the stand-in process."""
        self.process.stop(5)

    def _call(self, method: str, path: str, body: Any = None, timeout: float = 60.0) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.control_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return json.loads(response.read())

    def set_latency(self, ms: float) -> None:
        """Make every REST request of the stand-in wait ``ms`` milliseconds."""
        self._call("POST", "/latency", {"ms": ms})

    def commands(self, texts: Iterable[tuple[str, str, str]]) -> list[dict[str, Any]]:
        """Post ``(person email, room id, text)`` messages; their webhook ``data``, in order."""
        items = [{"as": who, "room": room, "text": text} for who, room, text in texts]
        out: list[dict[str, Any]] = []
        for start in range(0, len(items), 200):
            out += self._call("POST", "/commands", {"items": items[start : start + 200]})["items"]
        return out

    def spread(self, n: int, text: str = "help", *, offset: int = 0) -> list[dict[str, Any]]:
        """``n`` commands round-robin over the rooms, each from the next person."""
        return self.commands(
            (
                self.people[(offset + i) % len(self.people)],
                self.rooms[i % len(self.rooms)],
                text,
            )
            for i in range(n)
        )

    def replies(self, *, wait_for: int = 0, timeout: float = 0.0) -> list[Reply]:
        """Every reply so far, after waiting up to ``timeout`` s for ``wait_for`` in all."""
        got = self._call(
            "GET",
            f"/replies?since={self.seen}&count={wait_for}&timeout={timeout}",
            timeout=timeout + 30,
        )
        self._replies += [Reply(**item) for item in got["items"]]
        self.seen = len(self._replies)
        return list(self._replies)

    def wait_answered(self, ids: Iterable[str], timeout: float) -> dict[str, list[Reply]]:
        """Replies by parent for these command ids, once each has one (or at the deadline)."""
        wanted = set(ids)
        deadline = time.monotonic() + timeout
        while True:
            by_parent = answers_to(self.replies(), wanted)
            left = deadline - time.monotonic()
            if len(by_parent) == len(wanted) or left <= 0:
                return by_parent
            self.replies(wait_for=self.seen + 1, timeout=min(left, 2.0))


def answers_to(replies: Iterable[Reply], ids: set[str]) -> dict[str, list[Reply]]:
    """The replies threaded under each of ``ids`` (only the ids that have any)."""
    out: dict[str, list[Reply]] = {}
    for reply in replies:
        if reply.parent in ids:
            out.setdefault(reply.parent, []).append(reply)
    return out


# --- webhooks -------------------------------------------------------------------------------


def envelope(standin: StandIn, data: Mapping[str, Any], target_url: str) -> bytes:
    """The ``messages/created`` envelope Webex would POST for a message (ids only)."""
    body = {
        "id": "bench-webhook",
        "name": "bench",
        "targetUrl": target_url,
        "resource": "messages",
        "event": "created",
        "orgId": standin.org_id,
        "createdBy": standin.bot_id,
        "appId": "bench-app",
        "ownedBy": "creator",
        "status": "active",
        "created": data.get("created", "2026-01-01T00:00:00.000Z"),
        "actorId": data.get("personId", ""),
        "data": dict(data),
    }
    return json.dumps(body, separators=(",", ":")).encode()


def sign(body: bytes, secret: str = SECRET) -> str:
    """``X-Spark-Signature`` of a body."""
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


@dataclass
class Ack:
    """One webhook POST: when it started (monotonic), how long it took, what came back."""

    started: float
    seconds: float
    status: int  # 0 when no HTTP answer came


class Poster:
    """POSTs webhooks to one server over one keep-alive connection (one client)."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.path = parts.path or "/"
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def post(self, body: bytes) -> Ack:
        """POST one signed envelope; a broken connection is one failed ack, then reconnect."""
        headers = {"Content-Type": "application/json", "X-Spark-Signature": sign(body)}
        started = time.monotonic()
        try:
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._conn.request("POST", self.path, body=body, headers=headers)
            response = self._conn.getresponse()
            response.read()
            status = response.status
            if response.will_close:
                self.close()
        except (OSError, http.client.HTTPException):
            self.close()
            status = 0
        return Ack(started, time.monotonic() - started, status)

    def close(self) -> None:
        """Drop the connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def post_all(
    url: str,
    bodies: Sequence[bytes],
    *,
    clients: int = 1,
    max_seconds: float = float("inf"),
    keys: Sequence[str] | None = None,
) -> list[Ack]:
    """POST bodies in order from ``clients`` concurrent connections; stop after a time.

    Bodies are handed out in order. With ``keys`` (a space per body), a body is not posted
    while an earlier one with the same key is still waiting for its ack, so within a space the
    bot receives the webhooks in the order the commands were sent, as people in one space type
    one after the other. The acks come back in the order of ``bodies``: one per body posted, a
    prefix of the list when ``max_seconds`` ran out first.
    """
    pending = list(enumerate(bodies))
    busy: set[str] = set()
    acks: dict[int, Ack] = {}
    changed = threading.Condition()
    stop_at = time.monotonic() + max_seconds

    def take() -> tuple[int, bytes] | None:
        with changed:
            while pending:
                for n, (i, body) in enumerate(pending):
                    if keys is None or keys[i] not in busy:
                        del pending[n]
                        if keys is not None:
                            busy.add(keys[i])
                        return i, body
                changed.wait(0.5)
            return None

    def client() -> None:
        poster = Poster(url)
        try:
            while time.monotonic() < stop_at:
                item = take()
                if item is None:
                    return
                ack = poster.post(item[1])
                with changed:
                    acks[item[0]] = ack
                    if keys is not None:
                        busy.discard(keys[item[0]])
                    changed.notify_all()
        finally:
            poster.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [acks[i] for i in sorted(acks)]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def order_violations(
    commands: Sequence[Mapping[str, Any]], replies: Iterable[Reply]
) -> tuple[int, int]:
    """(spaces answered out of order, replies that came before an earlier command's).

    ``commands`` are in the order they were sent; a reply is out of order when a command sent
    later in the same space was answered before it (first answers only).
    """
    index = {c["id"]: i for i, c in enumerate(commands)}
    first: dict[str, Reply] = {}
    for reply in replies:
        if reply.parent is not None and reply.parent in index and reply.parent not in first:
            first[reply.parent] = reply
    by_room: dict[str, list[int]] = {}
    for parent, reply in sorted(first.items(), key=lambda kv: kv[1].t):
        by_room.setdefault(reply.room, []).append(index[parent])
    spaces = late = 0
    for sequence in by_room.values():
        highest = -1
        bad = 0
        for i in sequence:
            if i < highest:
                bad += 1
            highest = max(highest, i)
        late += bad
        spaces += bad > 0
    return spaces, late
