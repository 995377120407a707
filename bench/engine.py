"""The engine benchmark: three servers side by side against the Webex stand-in.

(a) ``bare``: a Flask endpoint returning 200 (the floor); (b) ``in-request``: the in-request bot
of ``bench.inrequest_bot`` (the SDK example's four calls, then the answer, inside the request);
(c) ``onboard-bot``: ``onboard-bot serve`` (record, 200, work in the background). All three
under waitress with 8 threads, each in its own process, against the stand-in process at each
injected API latency. Per server and latency:

- ack p50/p99, one client at a time and under 8 concurrent clients, and acks/s (8 clients);
- reply turnaround p50/p99: webhook POST sent -> reply created at the stand-in, one at a time;
- burst drain: 200 commands from many people in 20 spaces, posted by 8 clients (within a
  space one after the other, each once the previous was acknowledged) -> seconds from the
  first POST to the last reply, replies/s, and per-space order violations (a command answered
  before one sent earlier in its space);
- CPU per command: the server process's CPU time over the burst / commands (the bare
  endpoint: over the 8-client ack phase / acks).

Ratios compare the servers of the same run; the machine may be shared and loaded, so absolute
figures vary between runs and only the ratios of one run mean much. ``BENCH_QUICK=1`` runs a
small version (one latency, few commands) in well under a minute; ``BENCH_LATENCIES=0,100``
picks the latencies.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.chart import bar_chart
from bench.harness import (
    LISTENING,
    ONBOARD_BOT,
    PYTHON,
    SECRET,
    Process,
    StandIn,
    answers_to,
    child_env,
    cpu_ticks,
    envelope,
    order_violations,
    percentile,
    post_all,
    steal_percent,
)

OUT = Path(".bench")
THREADS = 8
CLIENTS = 8
TARGET_LATENCY_MS = 100.0
SERVERS = ("bare", "in-request", "onboard-bot")
COLORS = {"bare": "tab:gray", "in-request": "tab:orange", "onboard-bot": "tab:blue"}


@dataclass(frozen=True)
class Plan:
    """How much of everything to run."""

    latencies: tuple[float, ...]
    sequential: int  # commands posted one at a time
    concurrent: int  # commands posted by 8 clients
    phase_seconds: float  # an ack phase stops after this long, whatever is left
    turnaround: int  # commands answered one at a time
    burst: int
    burst_rooms: int
    people: int
    drain_seconds: float  # how long to wait for every answer of a phase

    @classmethod
    def from_env(cls) -> Plan:
        """``BENCH_QUICK=1``: the small version; ``BENCH_LATENCIES``: which latencies (ms)."""
        quick = os.environ.get("BENCH_QUICK") == "1"
        plan = (
            cls((50.0,), 15, 48, 4.0, 5, 40, 8, 40, 60.0)
            if quick
            else cls((0.0, 100.0, 200.0), 150, 400, 15.0, 30, 200, 20, 100, 240.0)
        )
        if os.environ.get("BENCH_LATENCIES"):
            chosen = tuple(float(ms) for ms in os.environ["BENCH_LATENCIES"].split(","))
            plan = Plan(chosen, *list(asdict(plan).values())[1:])
        return plan


def _start_server(name: str, standin: StandIn, folder: Path) -> Process:
    env = child_env()
    if name == "bare":
        args = [PYTHON, "-m", "bench.targets", "bare", f"--threads={THREADS}"]
    elif name == "in-request":
        args = [PYTHON, "-m", "bench.targets", "inrequest", f"--threads={THREADS}"]
        env.update(
            BENCH_API_URL=standin.api_url, BENCH_BOT_TOKEN=standin.bot_token, BENCH_SECRET=SECRET
        )
    else:
        config = folder / "app.yaml"
        # BENCH_CONFIG: more app.yaml for onboard-bot, to compare settings in the same harness.
        config.write_text("provider: sandbox\n" + os.environ.get("BENCH_CONFIG", ""))
        args = [ONBOARD_BOT, "serve", "--host=127.0.0.1", "--port=0", f"--threads={THREADS}"]
        env.update(
            ONBOARD_CONFIG=str(config),
            WEBEX_BOT_TOKEN=standin.bot_token,
            WEBEX_API_URL=standin.api_url,
            WEBEX_WEBHOOK_SECRET=SECRET,
            # Webhooks are what this bench sends: without a public URL serve would otherwise pick
            # the websocket intake and ask Webex's real service catalog for a device.
            WEBEX_INTAKE="webhook",
            DATABASE_URL=f"sqlite:///{folder / 'bench.db'}",
        )
    return Process(args, env=env, cwd=folder)


def _bodies(standin: StandIn, data: Sequence[dict[str, Any]], url: str) -> list[bytes]:
    return [envelope(standin, d, url) for d in data]


def _ms(seconds: float) -> float:
    return seconds * 1000


def measure_server(
    name: str, standin: StandIn, plan: Plan, latency_ms: float, log: Callable[[str], None]
) -> dict[str, Any]:
    """Every figure of one server at one latency (the stand-in already at that latency)."""
    replies = name != "bare"
    with tempfile.TemporaryDirectory(prefix="onboard-bench-") as tmp:
        proc = _start_server(name, standin, Path(tmp))
        try:
            url = proc.wait_line(LISTENING).group(1) + "/webhooks/webex"
            return _phases(name, proc, url, standin, plan, latency_ms, replies, log)
        finally:
            proc.stop()


def _phases(
    name: str,
    proc: Process,
    url: str,
    standin: StandIn,
    plan: Plan,
    latency_ms: float,
    replies: bool,
    log: Callable[[str], None],
) -> dict[str, Any]:
    out: dict[str, Any] = {"server": name, "latency_ms": latency_ms}
    offset = 0

    def commands(n: int) -> list[dict[str, Any]]:
        nonlocal offset
        if not replies:  # the bare endpoint never reads them: no need to create them
            offset += n
            return [
                {"id": f"bare-{offset - n + i}", "roomId": "r", "personId": "p"} for i in range(n)
            ]
        data = standin.spread(n, offset=offset)
        offset += n
        return data

    def drain(data: Sequence[dict[str, Any]], what: str) -> int:
        if not replies:
            return 0
        answered = standin.wait_answered([d["id"] for d in data], plan.drain_seconds)
        missing = len(data) - len(answered)
        if missing:
            log(f"    {name}: {missing} of {len(data)} {what} unanswered after the drain wait")
        return missing

    # Warm up: the first requests load code, open connections and read the bot's identity.
    warm = commands(3)
    post_all(url, _bodies(standin, warm, url))
    drain(warm, "warm-up commands")

    log(f"  {name} @ {latency_ms:g} ms: acks, one client")
    seq = commands(plan.sequential)
    acks = post_all(url, _bodies(standin, seq, url), max_seconds=plan.phase_seconds)
    seq = seq[: len(acks)]
    out["ack_seq_n"] = len(acks)
    out["ack_seq_p50_ms"] = _ms(percentile([a.seconds for a in acks], 50))
    out["ack_seq_p99_ms"] = _ms(percentile([a.seconds for a in acks], 99))
    out["ack_seq_errors"] = sum(a.status != 200 for a in acks)
    out["unanswered_after_acks"] = drain(seq, "sequential commands")

    log(f"  {name} @ {latency_ms:g} ms: acks, {CLIENTS} clients")
    conc = commands(plan.concurrent)
    cpu0 = proc.cpu_seconds()
    acks = post_all(
        url, _bodies(standin, conc, url), clients=CLIENTS, max_seconds=plan.phase_seconds
    )
    conc_cpu = proc.cpu_seconds() - cpu0
    posted = {a.started for a in acks}
    conc = conc[: len(acks)]
    span = max(a.started + a.seconds for a in acks) - min(posted)
    out["ack_8c_n"] = len(acks)
    out["ack_8c_p50_ms"] = _ms(percentile([a.seconds for a in acks], 50))
    out["ack_8c_p99_ms"] = _ms(percentile([a.seconds for a in acks], 99))
    out["ack_8c_errors"] = sum(a.status != 200 for a in acks)
    out["acks_per_s"] = len(acks) / span
    out["unanswered_after_acks"] += drain(conc, "concurrent commands")
    if not replies:
        out["cpu_ms_per_command"] = _ms(conc_cpu / len(acks))
        return out

    log(f"  {name} @ {latency_ms:g} ms: turnaround")
    turns = []
    for data in commands(plan.turnaround):
        ack = post_all(url, _bodies(standin, [data], url))[0]
        answered = standin.wait_answered([data["id"]], plan.drain_seconds)
        if data["id"] in answered:
            turns.append(answered[data["id"]][0].t - ack.started)
    out["turnaround_n"] = len(turns)
    out["turnaround_p50_ms"] = _ms(percentile(turns, 50))
    out["turnaround_p99_ms"] = _ms(percentile(turns, 99))
    out["turnaround_budget_ms"] = 2 * latency_ms + 20

    log(f"  {name} @ {latency_ms:g} ms: burst of {plan.burst} in {plan.burst_rooms} spaces")
    burst = standin.commands(
        (
            standin.people[(offset + i) % len(standin.people)],
            standin.rooms[i % plan.burst_rooms],
            "help",
        )
        for i in range(plan.burst)
    )
    ids = {d["id"] for d in burst}
    bodies = _bodies(standin, burst, url)
    cpu0 = proc.cpu_seconds()
    acks = post_all(url, bodies, clients=CLIENTS, keys=[d["roomId"] for d in burst])
    standin.wait_answered(ids, plan.drain_seconds)
    cpu = proc.cpu_seconds() - cpu0
    got = answers_to(standin.replies(), ids)
    first = min(a.started for a in acks)
    last = max((r[0].t for r in got.values()), default=float("nan"))
    out["burst_n"] = plan.burst
    out["burst_answered"] = len(got)
    out["burst_doubled"] = sum(len(r) - 1 for r in got.values())
    out["burst_ack_errors"] = sum(a.status != 200 for a in acks)
    out["burst_s"] = last - first
    out["burst_replies_per_s"] = len(got) / (last - first) if got else 0.0
    spaces, late = order_violations(burst, standin.replies())
    out["order_violation_spaces"] = spaces
    out["order_violation_replies"] = late
    out["cpu_ms_per_command"] = _ms(cpu / plan.burst)
    return out


# --- the run and its report ---------------------------------------------------------------


FIGURES: list[tuple[str, str, str]] = [
    ("ack_seq_p50_ms", "ack p50, 1 client", "ms"),
    ("ack_seq_p99_ms", "ack p99, 1 client", "ms"),
    ("ack_8c_p50_ms", "ack p50, 8 clients", "ms"),
    ("ack_8c_p99_ms", "ack p99, 8 clients", "ms"),
    ("acks_per_s", "acks/s, 8 clients", "acks/s"),
    ("turnaround_p50_ms", "reply turnaround p50", "ms"),
    ("turnaround_p99_ms", "reply turnaround p99", "ms"),
    ("api_round_trip_p50_ms", "API round trip p50 (GET people/me)", "ms"),
    ("burst_s", "burst: seconds to the last reply", "s"),
    ("burst_replies_per_s", "burst: replies/s", "replies/s"),
    ("cpu_ms_per_command", "CPU per command", "ms"),
    ("order_violation_spaces", "spaces answered out of order", "spaces"),
]


def run(plan: Plan, log: Callable[[str], None] = lambda s: print(s, file=sys.stderr)) -> dict:
    """Measure every server at every latency; the results as a JSON-ready dict."""
    began, ticks = time.monotonic(), cpu_ticks()
    standin = StandIn.start(people=plan.people, rooms=max(plan.burst_rooms, 1))
    rows: list[dict[str, Any]] = []
    try:
        for latency in plan.latencies:
            standin.set_latency(latency)
            log(f"API latency {latency:g} ms")
            round_trip = api_round_trip_ms(standin)
            for name in SERVERS:
                row = measure_server(name, standin, plan, latency, log)
                row["api_round_trip_p50_ms"] = round_trip
                if "turnaround_budget_ms" in row:
                    row["turnaround_measured_budget_ms"] = 2 * round_trip + 20
                rows.append(row)
    finally:
        standin.stop()
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "steal_percent": steal_percent(ticks, cpu_ticks()),
        "quick": os.environ.get("BENCH_QUICK") == "1",
        "plan": asdict(plan),
        "threads": THREADS,
        "clients": CLIENTS,
        "results": rows,
        "checks": checks(rows),
        "total_s": time.monotonic() - began,
    }


def api_round_trip_ms(standin: StandIn, calls: int = 30) -> float:
    """p50 of one API round trip at the stand-in's latency as a bot sees it, in ms.

    ``GET /people/me`` one after the other on a kept-alive connection, as webexpythonsdk makes
    them (requests): the injected latency plus what the stand-in, the loopback and waking a
    process after it slept add (about 2.5 ms per call at 100 ms on this VM, the in-request bot
    shows the same). The cheapest call, so the budget made from it is the strict one.
    """
    import requests

    seconds = []
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {standin.bot_token}"
        url = standin.api_url.rstrip("/") + "/people/me"
        session.get(url, timeout=30).raise_for_status()  # the connection, opened once
        for _ in range(calls):
            started = time.perf_counter()
            session.get(url, timeout=30).raise_for_status()
            seconds.append(time.perf_counter() - started)
    return _ms(percentile(seconds, 50))


def _get(rows: Sequence[dict[str, Any]], server: str, latency: float) -> dict[str, Any]:
    return next(r for r in rows if r["server"] == server and r["latency_ms"] == latency)


def checks(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets, each against the figures of this run (at 100 ms when measured)."""
    latencies = sorted({r["latency_ms"] for r in rows})
    at = TARGET_LATENCY_MS if TARGET_LATENCY_MS in latencies else latencies[-1]
    ours, bare, naive = (_get(rows, s, at) for s in ("onboard-bot", "bare", "in-request"))
    result = [
        ("ack p99 1 client <= 5 ms", ours["ack_seq_p99_ms"], 5.0, "<="),
        ("ack p99 8 clients <= 10 ms", ours["ack_8c_p99_ms"], 10.0, "<="),
        ("acks/s >= 70% of bare Flask", ours["acks_per_s"] / bare["acks_per_s"], 0.7, ">="),
        (
            "burst replies/s >= 5x in-request bot",
            ours["burst_replies_per_s"] / naive["burst_replies_per_s"],
            5.0,
            ">=",
        ),
        (
            "0 per-space order violations (all latencies)",
            float(sum(_get(rows, "onboard-bot", ms)["order_violation_spaces"] for ms in latencies)),
            0.0,
            "<=",
        ),
        (
            "turnaround p50 <= 2 round trips + 20 ms",
            ours["turnaround_p50_ms"],
            ours["turnaround_budget_ms"],
            "<=",
        ),
        (
            # The same, with the round trip as measured at this latency instead of the latency
            # injected (the line above): shown beside it, never instead of it.
            "turnaround p50 <= 2 measured round trips + 20",
            ours["turnaround_p50_ms"],
            ours.get("turnaround_measured_budget_ms", ours["turnaround_budget_ms"]),
            "<=",
        ),
    ]
    return [
        {
            "target": label,
            "latency_ms": at,
            "value": value,
            "limit": limit,
            "met": value <= limit if op == "<=" else value >= limit,
        }
        for label, value, limit, op in result
    ]


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def table(results: dict[str, Any]) -> str:
    """The figures as a plain-text table, one block per latency, with the ratios."""
    rows = results["results"]
    lines = [
        f"engine bench: waitress {results['threads']} threads, {results['clients']} clients, "
        f"{results['cpus']} CPUs, load average {results['load_average'][0]:.1f}, "
        f"CPU steal {results.get('steal_percent', 0.0):.0f} %, "
        f"{results['total_s']:.0f} s in all" + (" (BENCH_QUICK)" if results["quick"] else ""),
        "ratios are within this run; absolute figures depend on the machine's load",
    ]
    head = f"{'figure':<34}" + "".join(f"{s:>13}" for s in SERVERS) + f"{'ours/bare':>11}"
    head += f"{'ours/in-req':>12}"
    for latency in results["plan"]["latencies"]:
        by = {s: _get(rows, s, latency) for s in SERVERS}
        lines += ["", f"API latency {latency:g} ms", head]
        for key, label, unit in FIGURES:
            values = [by[s].get(key) for s in SERVERS]
            ours = values[2]
            ratios = []
            for base in (values[0], values[1]):
                if isinstance(ours, float) and isinstance(base, float) and base:
                    ratios.append(f"{ours / base:.2f}x")
                else:
                    ratios.append("-")
            lines.append(
                f"{f'{label}, {unit}':<34}"
                + "".join(f"{_cell(v):>13}" for v in values)
                + f"{ratios[0]:>11}{ratios[1]:>12}"
            )
        lines.append(
            f"{'burst answered / doubled':<34}"
            + "".join(
                f"{_cell(by[s].get('burst_answered'))}/{_cell(by[s].get('burst_doubled'))}".rjust(
                    13
                )
                for s in SERVERS
            )
        )
    lines += ["", "targets (issue 10)"]
    for check in results["checks"]:
        lines.append(
            f"  {'MET ' if check['met'] else 'MISS'} {check['target']:<46} "
            f"{check['value']:.3g} (limit {check['limit']:.3g}, at {check['latency_ms']:g} ms)"
        )
    return "\n".join(lines)


def charts(results: dict[str, Any], folder: Path = OUT) -> list[Path]:
    """One PNG per figure under ``folder``."""
    rows = results["results"]
    latencies = results["plan"]["latencies"]
    paths = []
    for key, label, unit in FIGURES:
        series = {s: [_get(rows, s, ms).get(key) for ms in latencies] for s in SERVERS}
        series = {s: v for s, v in series.items() if any(x is not None for x in v)}
        paths.append(
            bar_chart(
                folder / f"engine_{key}.png",
                title=label,
                unit=unit,
                latencies=latencies,
                series=series,
                colors=COLORS,
            )
        )
    return paths


def main() -> int:
    """Run, print the table, write ``.bench/engine.json`` and the charts."""
    results = run(Plan.from_env())
    OUT.mkdir(exist_ok=True)
    (OUT / "engine.json").write_text(json.dumps(results, indent=2) + "\n")
    paths = charts(results)
    print(table(results))
    print(f"\nJSON written to {OUT / 'engine.json'}; {len(paths)} charts in {OUT}/engine_*.png")
    return 0
