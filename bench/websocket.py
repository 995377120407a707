"""The websocket intake's figure (issue 11) beside the webhook's: event in -> reply at the stand-in.

One stand-in (``bench.standin``, which also serves the catalog, WDM devices and the websocket)
and ``onboard-bot serve`` run as processes, first with ``WEBEX_INTAKE=websocket`` (it registers a
device and connects out), then with ``WEBEX_INTAKE=webhook``, one after the other (a websocket
bot would also hear the webhook run's messages). At each API latency (0 and 100 ms) commands
are sent one at a time in group spaces and timed until their reply is created at the stand-in:

    websocket  from the control call that creates the message (the stand-in pushes its
               activity over the socket as it creates it) to the reply
    webhook    from the webhook POST (the message already created) to the reply, as
               ``bench.engine``'s turnaround

So the websocket figure includes the message's creation (a millisecond or two) and the webhook
figure does not: if anything, the comparison favours the webhook. Each figure is p50 and p99 in
ms; the table goes to stdout, the figures to ``.bench/websocket.json``, and one PNG per figure
(``.bench/websocket_turnaround_p50.png``, ``..._p99.png``) beside the engine's charts.
``BENCH_QUICK=1`` sends 5 commands per point instead of 40.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.chart import bar_chart
from bench.harness import (
    LISTENING,
    ONBOARD_BOT,
    SECRET,
    Process,
    StandIn,
    child_env,
    envelope,
    percentile,
    post_all,
)

OUT = Path(".bench")
LATENCIES = (0.0, 100.0)
INTAKES = ("websocket", "webhook")
COLORS = {"websocket": "tab:green", "webhook": "tab:blue"}
REPLY_TIMEOUT_S = 30.0


def _serve(intake: str, standin: StandIn, folder: Path) -> tuple[Process, str]:
    """``onboard-bot serve`` with ``intake`` against the stand-in; the process and its URL."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "app.yaml"
    config.write_text("provider: sandbox\n")
    env = child_env(
        ONBOARD_CONFIG=str(config),
        WEBEX_BOT_TOKEN=standin.bot_token,
        WEBEX_API_URL=standin.api_url,
        WEBEX_U2C_URL=standin.u2c_url,
        WEBEX_INTAKE=intake,
        DATABASE_URL=f"sqlite:///{folder / 'bench.db'}",
    )
    if intake == "webhook":
        env["WEBEX_WEBHOOK_SECRET"] = SECRET
    process = Process(
        [ONBOARD_BOT, "serve", "--host=127.0.0.1", "--port=0", "--threads=8"],
        env=env,
        cwd=folder,
    )
    url = process.wait_line(LISTENING, timeout=90).group(1)
    return process, url


def _one(intake: str, standin: StandIn, url: str, n: int) -> float | None:
    """Send the ``n``-th command and time it to its reply (seconds; None if none came)."""
    who = standin.people[n % len(standin.people)]
    room = standin.rooms[n % len(standin.rooms)]
    if intake == "websocket":
        started = time.monotonic()
        data = standin.commands([(who, room, "help")])[0]
    else:
        data = standin.commands([(who, room, "help")])[0]
        hook = url + "/webhooks/webex"
        started = post_all(hook, [envelope(standin, data, hook)])[0].started
    answered = standin.wait_answered([data["id"]], REPLY_TIMEOUT_S)
    if data["id"] not in answered:
        return None
    return answered[data["id"]][0].t - started


def measure(
    intake: str, standin: StandIn, folder: Path, count: int, log: Callable[[str], None]
) -> list[dict[str, Any]]:
    """One bot with ``intake``: the turnaround figures at each latency."""
    process, url = _serve(intake, standin, folder / intake)
    rows = []
    sent = 0
    try:
        standin.set_latency(0)
        # The first answer also says the intake is up (the websocket connected, the bot's
        # identity read): it is not counted.
        if _one(intake, standin, url, sent) is None:
            raise RuntimeError(f"{intake}: no reply to the first command\n{process.tail()}")
        sent += 1
        for latency in LATENCIES:
            standin.set_latency(latency)
            log(f"  {intake} @ {latency:g} ms: {count} commands one at a time")
            turns = []
            for _ in range(count):
                took = _one(intake, standin, url, sent)
                sent += 1
                if took is not None:
                    turns.append(took)
            rows.append(
                {
                    "intake": intake,
                    "latency_ms": latency,
                    "n": count,
                    "answered": len(turns),
                    "turnaround_p50_ms": percentile(turns, 50) * 1000 if turns else None,
                    "turnaround_p99_ms": percentile(turns, 99) * 1000 if turns else None,
                }
            )
    finally:
        process.stop(15)
    return rows


def run(quick: bool, log: Callable[[str], None] = lambda s: print(s, file=sys.stderr)) -> dict:
    """Both intakes against one stand-in; the results as written to the JSON."""
    count = 5 if quick else 40
    standin = StandIn.start(people=20, rooms=10)
    try:
        with tempfile.TemporaryDirectory(prefix="onboard-bench-ws-") as tmp:
            rows = [r for i in INTAKES for r in measure(i, standin, Path(tmp), count, log)]
    finally:
        standin.stop()
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "latencies": list(LATENCIES),
        "results": rows,
    }


FIGURES = (
    ("turnaround_p50_ms", "event in -> reply p50", "ms"),
    ("turnaround_p99_ms", "event in -> reply p99", "ms"),
)


def _cell(value: Any) -> str:
    return "–" if value is None else f"{value:.0f}"


def table(results: dict[str, Any]) -> str:
    """A Markdown table: one row per latency, websocket and webhook side by side."""
    by = {(r["intake"], r["latency_ms"]): r for r in results["results"]}
    lines = [
        "| API latency | websocket p50 | websocket p99 | webhook p50 | webhook p99 | answered |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for latency in results["latencies"]:
        ws, hook = by.get(("websocket", latency), {}), by.get(("webhook", latency), {})
        answered = ", ".join(
            f"{name} {row.get('answered', 0)}/{row.get('n', 0)}"
            for name, row in (("websocket", ws), ("webhook", hook))
        )
        lines.append(
            f"| {latency:g} ms | {_cell(ws.get('turnaround_p50_ms'))} ms "
            f"| {_cell(ws.get('turnaround_p99_ms'))} ms "
            f"| {_cell(hook.get('turnaround_p50_ms'))} ms "
            f"| {_cell(hook.get('turnaround_p99_ms'))} ms | {answered} |"
        )
    load = results["load_average"][0]
    lines += ["", f"{results['when']}, {results['cpus']} CPUs, load average {load:.1f}."]
    return "\n".join(lines)


def charts(results: dict[str, Any], folder: Path = OUT) -> list[Path]:
    """One grouped bar chart per figure: latencies along x, one bar per intake."""
    by = {(r["intake"], r["latency_ms"]): r for r in results["results"]}
    paths = []
    for key, label, unit in FIGURES:
        series = {
            intake: [by.get((intake, ms), {}).get(key) for ms in results["latencies"]]
            for intake in INTAKES
        }
        paths.append(
            bar_chart(
                folder / f"websocket_{key.removesuffix('_ms')}.png",
                title=f"{label}: websocket vs webhook intake",
                unit=unit,
                latencies=results["latencies"],
                series=series,
                colors=COLORS,
            )
        )
    return paths


def main() -> int:
    """Measure, print the table, write the JSON and the charts; 1 if a command went unanswered."""
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    results = run(quick)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "websocket.json").write_text(json.dumps(results, indent=2) + "\n")
    paths = charts(results)
    print("\nwebsocket intake (issue 11): event in -> reply at the stand-in, one at a time")
    print(table(results))
    print(f"\nJSON written to {OUT / 'websocket.json'}; charts: {', '.join(map(str, paths))}")
    return 0 if all(r["answered"] == r["n"] for r in results["results"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
