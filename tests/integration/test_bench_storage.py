"""The storage bench runs (small), so the harness cannot rot: every figure and its baseline."""

from __future__ import annotations

import pytest

from bench.run import run_storage_bench, storage_table


def test_the_quick_storage_bench_measures_every_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_SUBSCRIBERS", "3000")
    monkeypatch.delenv("BENCH_SQLITE_URL", raising=False)
    monkeypatch.delenv("BENCH_POSTGRES_DB_URL", raising=False)
    results = run_storage_bench(quick=True)
    assert results["subscribers"] == 3000 and results["quick"]
    for name, db in results["databases"].items():
        assert db["dialect"] == name
        assert db["seeding"]["inserted"] == 3000 and db["seeding"]["peak_rss_mib"] > 0
        typed = [f["filter"] for f in db["filters"]]
        assert typed[:4] == ["status", "status pending", "status errors", "status all novak"]
        for figure in db["filters"]:
            assert figure["p50_ms"] > 0 and figure["raw_p50_ms"] > 0 and figure["ratio"] > 0
        assert db["filters"][0]["rows"] == 10
        export = db["export"]
        assert export["rows"] == 3000 and export["rows_per_s"] > 0 and export["raw_rows_per_s"] > 0
        assert db["digest"]["first_new_errors"] > 0 and db["digest"]["next_s"] > 0
    table = storage_table(results)
    assert "status all novak p50 ms" in table and "export all, rows/s" in table
