"""``python -m bench.report [ENGINE_JSON [CHAOS_JSON]]``: the last results as Markdown tables.

Reads ``.bench/engine.json`` and ``.bench/chaos.json`` (or the files given) and prints the tables
the README shows, so figures are copied from a run, never typed in by hand.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.engine import FIGURES, SERVERS, TARGET_LATENCY_MS


def _num(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return str(value)


def engine_table(results: dict[str, Any], latency: float = TARGET_LATENCY_MS) -> str:
    """The figures at one latency, the three servers side by side, with our ratios."""
    rows = {r["server"]: r for r in results["results"] if r["latency_ms"] == latency}
    lines = [
        f"| at {latency:g} ms API latency | bare Flask | in-request bot | onboard-bot "
        "| ours / bare | ours / in-request |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, label, unit in FIGURES:
        values = [rows[s].get(key) if s in rows else None for s in SERVERS]
        ours = values[2]
        ratios = [
            f"{ours / base:.2f}×"
            if isinstance(ours, float) and isinstance(base, float) and base
            else "–"
            for base in values[:2]
        ]
        lines.append(
            f"| {label} ({unit}) | "
            + " | ".join(_num(v) for v in values)
            + f" | {' | '.join(ratios)} |"
        )
    checks = [
        f"{'met' if c['met'] else 'missed'}: {c['target']} ({_num(c['value'])})"
        for c in results["checks"]
    ]
    load = results["load_average"][0]
    steal = results.get("steal_percent")  # runs before 2026-12-04 did not read it
    stolen = "" if steal is None else f", CPU steal {steal:.0f} %"
    lines += [
        "",
        f"{results['when']}, {results['cpus']} CPUs, load average {load:.1f}{stolen}. Targets: "
        + "; ".join(checks)
        + ".",
    ]
    return "\n".join(lines)


def chaos_table(results: dict[str, Any]) -> str:
    """One row per chaos case."""
    lines = [
        "| case | sent | answered | doubled | lost | recover s | result |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in results["results"]:
        recover = f"{r['recover_s']:.1f}" if r["recover_s"] is not None else "never"
        verdict = "pass" if r["passed"] else "FAIL"
        lines.append(
            f"| {r['case']} | {r['sent']} | {r['answered']} | {r['doubled']} | {r['lost']} "
            f"| {recover} | {verdict} |"
        )
    lines += ["", f"{results['when']}, engine commit {results['commit']}."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print whichever of the two tables has results."""
    args = sys.argv[1:] if argv is None else argv
    engine = Path(args[0]) if args else Path(".bench/engine.json")
    chaos = Path(args[1]) if len(args) > 1 else Path(".bench/chaos.json")
    if engine.exists():
        print(engine_table(json.loads(engine.read_text())))
    if chaos.exists():
        print()
        print(chaos_table(json.loads(chaos.read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
