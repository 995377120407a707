"""``make chaos``: faults between onboard-bot and Webex, and crashes of the bot itself.

Each case runs the stand-in (``bench.standin``, its own process, 50 ms API latency), the fault
proxy (``bot.local.faultproxy``) between the bot and the stand-in's API, and ``onboard-bot
serve`` processes on SQLite (PostgreSQL for the two-process and read-only cases: a database of
its own per run, dropped after). Commands are ``help`` in group spaces, posted as signed
webhooks straight to the bot (webhooks do not pass the proxy: it sits where Webex's API is).
A webhook the bot did not answer 200 is delivered again once the fault is over, as Webex
redelivers. Each case prints:

    sent       commands posted (each a distinct message)
    answered   commands with at least one reply at the stand-in
    doubled    commands with more than one reply
    recover s  seconds from the end of the fault (or from the restart begun, the new process
               spawned, so its startup counts; for faults on a number of calls, from the start)
               to the last reply

and passes when every command was answered exactly once (and, for crashes, the last reply came
within ``RECOVER_BOUND_S`` of the restart). ``CHAOS_CASES=outage,kill-9`` picks cases;
``CHAOS_QUICK=1`` runs the short versions ``tests/e2e/test_chaos_quick.py`` runs; ``CHAOS_JOBS=4``
runs four cases at a time. Results also go to ``.bench/chaos.json`` with the engine's commit.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from bench.harness import (
    LISTENING,
    ONBOARD_BOT,
    PYTHON,
    ROOT,
    SECRET,
    Ack,
    Process,
    StandIn,
    answers_to,
    child_env,
    envelope,
    post_all,
)
from bot.local.faultproxy import FaultProxy

OUT = Path(".bench")
LATENCY_MS = 50.0
RECOVER_BOUND_S = 10.0
CLIENT_TIMEOUT_S = 20.0  # bot.webex.DEFAULT_REQUEST_TIMEOUT: a spike must outlast it
QUICK_TIMEOUT_S = 2  # the quick cases' webex.request_timeout_seconds: the same race, sooner
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class Outcome:
    """What one case measured."""

    case: str
    sent: int
    answered: int
    doubled: int
    recover_s: float | None
    seconds: float
    bound_s: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        """Commands never answered."""
        return self.sent - self.answered

    @property
    def passed(self) -> bool:
        """Every command answered once, in time when a bound applies."""
        in_time = self.bound_s is None or (
            self.recover_s is not None and self.recover_s <= self.bound_s
        )
        return self.lost == 0 and self.doubled == 0 and in_time


class Skipped(Exception):
    """The case cannot run here (no PostgreSQL)."""


# --- the rig: stand-in, proxy, bots -----------------------------------------------------------


class Bot:
    """One ``onboard-bot serve`` process, restartable on the same database."""

    def __init__(self, rig: Rig, name: str, database_url: str) -> None:
        self.rig, self.name, self.database_url = rig, name, database_url
        self.folder = rig.folder / name
        self.folder.mkdir(exist_ok=True)
        self.process: Process | None = None
        self.url = ""
        self.started_at = 0.0
        self.spawned_at = 0.0

    def start(self) -> Bot:
        """Start (or restart) the process and wait until it listens."""
        config = self.folder / "app.yaml"
        config.write_text("provider: sandbox\n")
        env = child_env(
            ONBOARD_CONFIG=str(config),
            WEBEX_BOT_TOKEN=self.rig.standin.bot_token,
            WEBEX_API_URL=self.rig.proxy.api_url,
            WEBEX_WEBHOOK_SECRET=SECRET,
            # Webhooks are what the cases post; without this the default (no public URL) is the
            # websocket intake, which would look for Webex's real service catalog meanwhile.
            WEBEX_INTAKE="webhook",
            ONBOARD_WEBEX__REQUEST_TIMEOUT_SECONDS=str(int(self.rig.client_timeout_s)),
            DATABASE_URL=self.database_url,
            # CHAOS_WORKER_PROCESSES: how many worker processes; CHAOS_MAX_BACKOFF: the longest
            # wait between two tries (unset: serve's defaults).
            ONBOARD_ENGINE__WORKER_PROCESSES=os.environ.get("CHAOS_WORKER_PROCESSES", ""),
            ONBOARD_ENGINE__MAX_BACKOFF_SECONDS=os.environ.get("CHAOS_MAX_BACKOFF", ""),
        )
        # Recovery after a crash counts from here, the restart begun (process spawned), not from
        # when it listens: the "every reply within 10 s of the restart" includes startup.
        self.spawned_at = time.monotonic()
        self.process = Process(
            [ONBOARD_BOT, "serve", "--host=127.0.0.1", "--port=0", "--threads=8"],
            env=env,
            cwd=self.folder,
        )
        self.url = self.process.wait_line(LISTENING, timeout=90).group(1) + "/webhooks/webex"
        self.started_at = time.monotonic()
        return self

    def kill(self) -> None:
        """kill -9."""
        assert self.process is not None
        self.process.signal(signal.SIGKILL)
        self.process.popen.wait(10)

    def terminate(self, timeout: float = 60.0) -> float:
        """SIGTERM and wait for the exit; the seconds it took."""
        assert self.process is not None
        began = time.monotonic()
        self.process.signal(signal.SIGTERM)
        try:
            self.process.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.rig.note(f"{self.name} still running {timeout:.0f} s after SIGTERM: killed")
            self.kill()
        return time.monotonic() - began

    def stop(self) -> None:
        """Stop for good at the end of a case."""
        if self.process is not None and self.process.popen.poll() is None:
            self.process.stop(15)


class Rig:
    """The stand-in, the proxy in front of its API, and the commands sent so far."""

    def __init__(
        self,
        folder: Path,
        *,
        rooms: int = 20,
        people: int = 60,
        client_timeout_s: float = CLIENT_TIMEOUT_S,
    ) -> None:
        self.folder = folder
        self.client_timeout_s = client_timeout_s
        self.standin = StandIn.start(people=people, rooms=rooms, latency_ms=LATENCY_MS)
        api = urlsplit(self.standin.api_url)
        self.proxy = FaultProxy(api.hostname or "127.0.0.1", api.port or 80).start()
        self.bots: list[Bot] = []
        self.commands: list[dict[str, Any]] = []
        self.bodies: dict[str, bytes] = {}
        self.acks: dict[str, Ack] = {}
        self.notes: list[str] = []
        self._offset = 0

    def note(self, text: str) -> None:
        """Something worth printing beside the figures."""
        self.notes.append(text)

    def bot(self, name: str = "bot", database_url: str | None = None) -> Bot:
        """A started bot on ``database_url`` (default: a SQLite file of this rig)."""
        url = database_url or f"sqlite:///{self.folder / 'chaos.db'}"
        started = Bot(self, name, url).start()
        self.bots.append(started)
        return started

    def close(self) -> None:
        """Stop everything this rig started."""
        for bot in self.bots:
            bot.stop()
        self.proxy.stop()
        self.standin.stop()

    def new_commands(self, n: int) -> list[dict[str, Any]]:
        """``n`` new ``help`` commands, round-robin over the spaces, from many people."""
        data = self.standin.spread(n, offset=self._offset)
        self._offset += n
        self.commands += data
        return data

    def post(self, bot: Bot, data: Sequence[dict[str, Any]], clients: int = 8) -> list[Ack]:
        """POST these commands' webhooks to ``bot``; records each one's latest ack."""
        bodies = []
        for d in data:
            body = self.bodies.setdefault(d["id"], envelope(self.standin, d, bot.url))
            bodies.append(body)
        acks = post_all(bot.url, bodies, clients=clients)
        for ack, d in zip(acks, data, strict=True):
            self.acks[d["id"]] = ack
        return acks

    def send(self, bot: Bot, n: int, clients: int = 8) -> list[dict[str, Any]]:
        """New commands, posted to ``bot``."""
        data = self.new_commands(n)
        self.post(bot, data, clients)
        return data

    def redeliver(self, bot: Bot, deadline_s: float = 120.0) -> int:
        """Post again every webhook not yet answered 200, until each is; how many were."""
        again = 0
        stop_at = time.monotonic() + deadline_s
        while time.monotonic() < stop_at:
            failed = [d for d in self.commands if self.acks.get(d["id"], _NO_ACK).status != 200]
            if not failed:
                return again
            again += len(failed)
            self.post(bot, failed)
            if any(self.acks[d["id"]].status != 200 for d in failed):
                time.sleep(1.0)
        self.note(f"webhooks still refused after {deadline_s:.0f} s of redelivery")
        return again

    def answers(self) -> dict[str, list[Any]]:
        """Replies by command id, for every command sent."""
        return answers_to(self.standin.replies(), {d["id"] for d in self.commands})

    def wait_all(self, timeout: float, settle: float) -> dict[str, list[Any]]:
        """Wait until every command is answered (or ``timeout``), then ``settle`` s for doubles."""
        self.standin.wait_answered([d["id"] for d in self.commands], timeout)
        if settle > 0:
            time.sleep(settle)
        return self.answers()

    def note_first_after(self, since: float, what: str) -> None:
        """Note how soon after ``since`` the first reply came (a take-over, not the drain)."""
        after = [r.t for r in self.standin.replies() if r.t >= since]
        if after:
            self.note(f"first reply {min(after) - since:.1f} s after the {what}")
        else:
            self.note(f"no reply after the {what}")

    def outcome(
        self, case: str, since: float, began: float, answers: dict[str, list[Any]], **kw: Any
    ) -> Outcome:
        """The case's figures from the answers seen; ``since`` is when recovery began."""
        last = max((r[0].t for r in answers.values()), default=None)
        complete = len(answers) == len(self.commands)
        recover = max(0.0, last - since) if (last is not None and complete) else None
        return Outcome(
            case=case,
            sent=len(self.commands),
            answered=len(answers),
            doubled=sum(len(r) > 1 for r in answers.values()),
            recover_s=recover,
            seconds=time.monotonic() - began,
            notes=self.notes,
            **kw,
        )


_NO_ACK = Ack(0.0, 0.0, -1)


@contextmanager
def rig(**kw: Any) -> Iterator[Rig]:
    """A rig in a temporary folder, closed after."""
    with tempfile.TemporaryDirectory(prefix="onboard-chaos-") as tmp:
        r = Rig(Path(tmp), **kw)
        try:
            yield r
        finally:
            r.close()


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one case, dropped after; ``Skipped`` when none answers."""
    base = os.environ.get("ONBOARD_TEST_POSTGRES_URL") or DEFAULT_POSTGRES
    base = base.replace("postgresql://", "postgresql+psycopg://", 1)
    admin_url = sa.make_url(base)
    name = f"onboard_chaos_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        raise Skipped(f"no PostgreSQL at {admin_url.render_as_string()}: {exc}") from exc
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def set_read_only(database_url: str, on: bool) -> None:
    """Make a PostgreSQL database refuse (or accept again) writes, for every session.

    New sessions get ``default_transaction_read_only``; open ones are terminated so that the
    bot's pool reconnects under the new setting (an ``AdminShutdown`` to whoever was mid-query).
    """
    url = sa.make_url(database_url)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            value = "on" if on else "off"
            conn.execute(
                sa.text(
                    f'ALTER DATABASE "{url.database}" SET default_transaction_read_only = {value}'
                )
            )
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": url.database},
            )
    finally:
        admin.dispose()


# --- the cases --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    """How big a case runs: the quick version for ``make test``, the full one for ``make chaos``."""

    commands: int
    fault_s: float
    wait_s: float
    settle_s: float
    timeout_s: float = (
        CLIENT_TIMEOUT_S  # the bot's Webex call timeout (the spike cases hold past it)
    )


def _api_fault(
    name: str, size: Size, inject: Callable[[FaultProxy, float], object], *, during: bool = True
) -> Outcome:
    """Commands sent while a fault of ``size.fault_s`` is on; answers counted after it ends."""
    began = time.monotonic()
    with rig() as r:
        bot = r.bot()
        inject(r.proxy, size.fault_s)
        fault_ends = time.monotonic() + size.fault_s
        r.send(bot, size.commands)
        time.sleep(max(0.0, fault_ends - time.monotonic()))
        r.proxy.clear()
        ended = time.monotonic()
        answers = r.wait_all(size.wait_s, size.settle_s)
        r.note(f"proxy acted on {r.proxy.faulted()} API calls")
        return r.outcome(name, ended, began, answers)


def case_outage(size: Size, name: str = "outage") -> Outcome:
    """Every Webex call fails (connection reset) for the fault's time; commands wait."""
    return _api_fault(name, size, lambda p, s: p.down(seconds=s))


def case_outage_long(size: Size) -> Outcome:
    """The same, for much longer (10 minutes in ``make chaos``)."""
    return case_outage(size, "outage-long")


def case_429_storm(size: Size) -> Outcome:
    """Every call answered 429 (Retry-After 1) for the fault's time."""
    return _api_fault("429-storm", size, lambda p, s: p.status(429, seconds=s, retry_after="1"))


def case_429_x12(size: Size) -> Outcome:
    """Twelve 429s (Retry-After 1) in a row on posting one reply."""
    began = time.monotonic()
    with rig() as r:
        bot = r.bot()
        r.proxy.status(429, times=12, method="POST", path=r"/v1/messages$", retry_after="1")
        r.send(bot, size.commands)
        answers = r.wait_all(size.wait_s, size.settle_s)
        r.note(f"proxy answered 429 to {r.proxy.faulted()} posts")
        return r.outcome("429-x12", began, began, answers)


def case_5xx(size: Size) -> Outcome:
    """Every call answered 503 for the fault's time."""
    return _api_fault("5xx", size, lambda p, s: p.status(503, seconds=s))


def case_spike(size: Size) -> Outcome:
    """Calls are held past the client timeout, then forwarded (they land after the bot gave up).

    Every message fetch in the fault's first seconds is held, and so are the first quarter of
    the reply posts whenever they come (a time window alone might miss the posts, which only
    start once fetches are through).
    """
    hold = size.timeout_s * 1.25 + 1
    posts = max(1, size.commands // 4)
    began = time.monotonic()
    with rig(client_timeout_s=size.timeout_s) as r:
        bot = r.bot()
        r.proxy.delay(hold, seconds=size.fault_s, method="GET")
        r.proxy.delay(hold, times=posts, method="POST", path=r"/v1/messages$")
        r.send(bot, size.commands)
        r.wait_all(size.wait_s + hold, 0)
        # A held post lands only when released: look for doubles after the last release.
        while r.proxy.held():
            time.sleep(0.2)
        answers = r.wait_all(0, size.settle_s)
        r.note(f"{r.proxy.faulted()} API calls held {hold:.0f} s")
        return r.outcome("latency-spike", began, began, answers)


def _after_landing(name: str, size: Size, inject: Callable[[FaultProxy], object]) -> Outcome:
    began = time.monotonic()
    with rig(client_timeout_s=size.timeout_s) as r:
        bot = r.bot()
        inject(r.proxy)
        r.send(bot, size.commands)
        answers = r.wait_all(size.wait_s, size.settle_s)
        r.note(f"proxy acted on {r.proxy.faulted()} reply posts after they landed")
        return r.outcome(name, began, began, answers)


def case_late_response(size: Size) -> Outcome:
    """A reply's POST lands, but its answer comes after the client timeout."""
    hold = size.timeout_s * 1.25 + 1
    times = max(1, size.commands // 4)
    return _after_landing(
        "late-response",
        size,
        lambda p: p.delay_response(hold, times=times, method="POST", path=r"/v1/messages$"),
    )


def case_dropped(size: Size) -> Outcome:
    """A reply's POST lands, then the connection is cut before the answer."""
    times = max(1, size.commands // 4)
    return _after_landing(
        "dropped-connection",
        size,
        lambda p: p.drop_response(times=times, method="POST", path=r"/v1/messages$"),
    )


def _crash(name: str, size: Size, how: str) -> Outcome:
    """A burst; the bot is killed (or stopped) when a quarter is answered, then restarted."""
    began = time.monotonic()
    with rig() as r:
        bot = r.bot()
        data = r.new_commands(size.commands)
        poster = threading.Thread(target=r.post, args=(bot, data), daemon=True)
        poster.start()
        r.standin.replies()
        deadline = time.monotonic() + size.wait_s
        while len(r.answers()) < size.commands // 4 and time.monotonic() < deadline:
            r.standin.replies(wait_for=r.standin.seen + 1, timeout=1.0)
        answered_before = len(r.answers())
        if how == "kill":
            bot.kill()
        else:
            took = bot.terminate()
            r.note(f"exited {took:.1f} s after SIGTERM")
        poster.join(60)
        r.note(f"{answered_before} answered before the {how}")
        bot.start()
        restarted = bot.spawned_at
        r.note(f"listening {bot.started_at - restarted:.1f} s after the restart")
        redelivered = r.redeliver(bot)
        r.note(f"{redelivered} webhooks redelivered after the restart")
        answers = r.wait_all(size.wait_s, size.settle_s)
        r.note_first_after(restarted, "restart")
        return r.outcome(name, restarted, began, answers, bound_s=RECOVER_BOUND_S)


def case_kill9(size: Size) -> Outcome:
    """kill -9 mid-burst, then a restart on the same database."""
    return _crash("kill-9", size, "kill")


def case_sigterm(size: Size) -> Outcome:
    """SIGTERM mid-burst, then a restart on the same database."""
    return _crash("sigterm", size, "term")


def case_two_postgres(size: Size) -> Outcome:
    """Two bots on one PostgreSQL; one is killed mid-burst, its webhooks go to the other."""
    began = time.monotonic()
    with postgres_database() as url, rig() as r:
        a = r.bot("a", url)
        b = r.bot("b", url)
        data = r.new_commands(size.commands)
        poster = threading.Thread(target=r.post, args=(a, data), daemon=True)
        poster.start()
        deadline = time.monotonic() + size.wait_s
        while len(r.answers()) < size.commands // 4 and time.monotonic() < deadline:
            r.standin.replies(wait_for=r.standin.seen + 1, timeout=1.0)
        a.kill()
        killed = time.monotonic()
        poster.join(60)
        redelivered = r.redeliver(b)
        r.note(f"a killed after {len(r.answers())} answers; {redelivered} redelivered to b")
        answers = r.wait_all(size.wait_s, size.settle_s)
        r.note_first_after(killed, "kill")
        return r.outcome("two-postgres", killed, began, answers, bound_s=RECOVER_BOUND_S)


def case_read_only(size: Size) -> Outcome:
    """The PostgreSQL database refuses writes for 10 s while commands keep coming."""
    read_only_s = 10.0
    began = time.monotonic()
    with postgres_database() as url, rig() as r:
        bot = r.bot("bot", url)
        half = size.commands // 2
        r.send(bot, half)
        set_read_only(url, True)
        try:
            r.send(bot, size.commands - half, clients=2)
            time.sleep(read_only_s)
        finally:
            set_read_only(url, False)
        ended = time.monotonic()
        refused = sum(a.status != 200 for a in r.acks.values())
        redelivered = r.redeliver(bot)
        r.note(f"{refused} webhooks refused while read-only; {redelivered} redelivered")
        answers = r.wait_all(size.wait_s, size.settle_s)
        return r.outcome("db-read-only", ended, began, answers)


CASES: dict[str, tuple[Callable[[Size], Outcome], Size, Size]] = {
    # name: (case, quick size, full size)
    "outage": (case_outage, Size(10, 6, 60, 3), Size(40, 150, 300, 30)),
    "outage-long": (case_outage_long, Size(10, 12, 60, 3), Size(40, 600, 300, 30)),
    "429-x12": (case_429_x12, Size(1, 0, 60, 3), Size(1, 0, 120, 30)),
    "429-storm": (case_429_storm, Size(10, 5, 60, 3), Size(40, 30, 300, 30)),
    "5xx": (case_5xx, Size(10, 5, 60, 3), Size(40, 60, 300, 30)),
    "latency-spike": (case_spike, Size(4, 1, 30, 5, QUICK_TIMEOUT_S), Size(20, 30, 120, 30)),
    "late-response": (
        case_late_response,
        Size(4, 0, 60, 5, QUICK_TIMEOUT_S),
        Size(20, 0, 180, 150),
    ),
    "dropped-connection": (case_dropped, Size(4, 0, 30, 5), Size(20, 0, 180, 150)),
    "kill-9": (case_kill9, Size(40, 0, 20, 3), Size(200, 0, 180, 30)),
    "sigterm": (case_sigterm, Size(40, 0, 20, 3), Size(200, 0, 180, 30)),
    "two-postgres": (case_two_postgres, Size(40, 0, 20, 3), Size(200, 0, 180, 30)),
    "db-read-only": (case_read_only, Size(20, 10, 30, 3), Size(100, 10, 180, 30)),
}


def run_case(name: str, *, quick: bool) -> Outcome:
    """Run one case at its quick or full size."""
    case, small, full = CASES[name]
    return case(small if quick else full)


def engine_commit() -> str:
    """The git commit being measured (``+dirty`` with changes); ``CHAOS_COMMIT`` outside git."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD")
    if not head:
        return os.environ.get("CHAOS_COMMIT", "unknown")
    return head + ("+dirty" if git("status", "--porcelain") else "")


def line(o: Outcome) -> str:
    """One case as a row of the printed table."""
    recover = f"{o.recover_s:.1f}" if o.recover_s is not None else "never"
    verdict = "PASS" if o.passed else "FAIL"
    return (
        f"{o.case:<20}{o.sent:>6}{o.answered:>10}{o.doubled:>9}{o.lost:>6}{recover:>11}"
        f"{o.seconds:>9.0f}  {verdict}  {'; '.join(o.notes)}"
    )


HEADER = (
    f"{'case':<20}{'sent':>6}{'answered':>10}{'doubled':>9}{'lost':>6}{'recover s':>11}"
    f"{'took s':>9}"
)


def _one(name: str, quick: bool) -> dict[str, Any] | None:
    try:
        outcome = run_case(name, quick=quick)
    except Skipped as exc:
        print(f"{name:<20}skipped: {exc}", flush=True)
        return None
    print(line(outcome), flush=True)
    return {**asdict(outcome), "lost": outcome.lost, "passed": outcome.passed}


def _in_child(name: str, quick: bool, folder: Path) -> dict[str, Any] | None:
    """Run one case in a process of its own (``CHAOS_JOBS``): its proxy gets its own GIL."""
    out = folder / f"{name}.json"
    env = child_env(os.environ, CHAOS_CASES=name, CHAOS_JOBS="1", CHAOS_RESULT=str(out))
    if os.environ.get("ONBOARD_TEST_POSTGRES_URL"):
        env["ONBOARD_TEST_POSTGRES_URL"] = os.environ["ONBOARD_TEST_POSTGRES_URL"]
    done = subprocess.run([PYTHON, "-m", "bench.chaos"], env=env, capture_output=True, text=True)
    rows = [r for r in done.stdout.splitlines() if r.startswith(name)]
    print("\n".join(rows) or f"{name:<20}crashed: {done.stderr[-500:]}", flush=True)
    if not out.exists():
        return None
    found = json.loads(out.read_text())["results"]
    return found[0] if found else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen cases, print a row per case, write ``.bench/chaos.json``; 1 if any failed.

    ``CHAOS_JOBS=4`` runs four cases at a time, each in its own process: the whole set then
    takes about as long as the 10-minute outage, at the price of a busier machine.
    """
    quick = os.environ.get("CHAOS_QUICK") == "1"
    chosen = [c for c in os.environ.get("CHAOS_CASES", ",".join(CASES)).split(",") if c]
    unknown = [c for c in chosen if c not in CASES]
    if unknown:
        raise SystemExit(
            f"CHAOS_CASES: unknown case(s) {', '.join(unknown)}; known: {', '.join(CASES)}"
        )
    jobs = max(1, int(os.environ.get("CHAOS_JOBS", "1")))
    commit = engine_commit()
    print(f"chaos on engine commit {commit}{' (quick)' if quick else ''}", flush=True)
    print(HEADER, flush=True)
    if jobs == 1:
        found = [_one(name, quick) for name in chosen]
    else:
        with (
            tempfile.TemporaryDirectory(prefix="onboard-chaos-jobs-") as tmp,
            ThreadPoolExecutor(jobs) as pool,
        ):
            found = list(pool.map(lambda name: _in_child(name, quick, Path(tmp)), chosen))
    results = [r for r in found if r is not None]
    target = Path(os.environ.get("CHAOS_RESULT") or OUT / "chaos.json")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        json.dumps(
            {
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "commit": commit,
                "quick": quick,
                "load_average": os.getloadavg(),
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )
    return 0 if all(r["passed"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
