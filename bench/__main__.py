"""``python -m bench`` (``make bench``): the engine figures, the websocket intake's, storage, trend.

``BENCH_PARTS`` picks the parts (default ``engine,websocket,storage,trend``); ``BENCH_QUICK=1``
runs a small version of each (the storage and trend parts then seed ``BENCH_SUBSCRIBERS``,
default 5,000 when quick, 1,000,000 otherwise).
"""

from __future__ import annotations

import os


def main() -> int:
    """Run the chosen parts in order; the first non-zero exit code, else 0."""
    chosen = os.environ.get("BENCH_PARTS", "engine,websocket,storage,trend")
    parts = [p.strip() for p in chosen.split(",")]
    unknown = set(parts) - {"engine", "websocket", "storage", "trend"}
    if unknown:
        raise SystemExit(f"BENCH_PARTS: unknown part(s) {', '.join(sorted(unknown))}")
    code = 0
    if "engine" in parts:
        from bench.engine import main as engine

        code = code or engine()
    if "websocket" in parts:
        from bench.websocket import main as websocket

        code = code or websocket()
    if "storage" in parts:
        if os.environ.get("BENCH_QUICK") == "1":
            os.environ.setdefault("BENCH_SUBSCRIBERS", "5000")
        from bench.run import main as storage

        code = code or storage()
    if "trend" in parts:
        if os.environ.get("BENCH_QUICK") == "1":
            os.environ.setdefault("BENCH_SUBSCRIBERS", "5000")
        from bench.trend_chart import main as trend

        code = code or trend()
    return code


raise SystemExit(main())
