"""The per-command CPU profile (``python -m bench.profile_commands``) keeps running."""

from __future__ import annotations

import re
import sys

import pytest

from bench import profile_commands


def test_a_small_profile_measures_each_command(monkeypatch: pytest.MonkeyPatch, capsys):
    argv = ["profile_commands", "--subscribers", "300", "--runs", "3", "--profile"]
    monkeypatch.setattr(sys, "argv", argv)
    profile_commands.main()
    out = capsys.readouterr().out
    figures = re.findall(r"^  (.+?)\s+median\s+([\d.]+) ms", out, re.MULTILINE)
    assert [name for name, _ in figures][:2] == ["help", "status pending"]
    assert len(figures) == 4 and all(float(ms) > 0 for _, ms in figures)
    assert out.count("=== ") == 4 and "dispatch" in out  # each profile reaches the chain
