"""``python -m bench`` (``make bench``): the engine figures, then the storage figures.

``BENCH_PARTS`` picks the parts (default ``engine,storage``); ``BENCH_QUICK=1`` runs a small
version of each (the storage part then seeds ``BENCH_SUBSCRIBERS``, default 5,000 when quick).
"""

from __future__ import annotations

import os


def main() -> int:
    """Run the chosen parts in order; the first non-zero exit code, else 0."""
    parts = [p.strip() for p in os.environ.get("BENCH_PARTS", "engine,storage").split(",")]
    unknown = set(parts) - {"engine", "storage"}
    if unknown:
        raise SystemExit(f"BENCH_PARTS: unknown part(s) {', '.join(sorted(unknown))}")
    code = 0
    if "engine" in parts:
        from bench.engine import main as engine

        code = code or engine()
    if "storage" in parts:
        if os.environ.get("BENCH_QUICK") == "1":
            os.environ.setdefault("BENCH_SUBSCRIBERS", "5000")
        from bench.run import main as storage

        code = code or storage()
    return code


raise SystemExit(main())
