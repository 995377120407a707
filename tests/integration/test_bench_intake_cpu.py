"""``python -m bench.intake_cpu`` runs, so the figure the README quotes can be measured again."""

from __future__ import annotations

import re

import pytest

from bench import intake_cpu


def test_the_intake_cpu_bench_measures_both_apps(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INTAKE_CPU_REQUESTS", "20")
    assert intake_cpu.main() == 0
    out = capsys.readouterr().out
    bare = re.search(r"bare Flask\s+(\d+) us", out)
    ours = re.search(r"onboard-bot\s+(\d+) us\s+([\d.]+)x bare", out)
    assert bare and ours, out
    assert int(bare.group(1)) > 0 and int(ours.group(1)) > 0
