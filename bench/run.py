"""The storage bench's entry point: ``run_storage_bench`` (see ``bench.storage``) and ``main``.

``main`` runs the storage figures alone (``BENCH_QUICK=1`` for the small version), prints the
table and writes ``.bench/storage.json``; the whole ``make bench`` calls ``run_storage_bench``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench.storage import run_storage_bench, storage_table

__all__ = ["main", "run_storage_bench", "storage_table"]

RESULTS = Path(".bench/storage.json")


def main() -> int:
    """Run the storage bench, print the table, write the JSON; returns the exit code."""
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    results = run_storage_bench(quick)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(storage_table(results))
    print(f"\nJSON written to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
