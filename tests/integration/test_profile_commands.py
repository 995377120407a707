"""The per-command CPU profile (``python -m bench.profile_commands``) keeps running."""

from __future__ import annotations

import re
import sys
from datetime import timedelta

import pytest

from bench import profile_commands
from onboarding.seeding import seed_audit


def test_a_small_profile_measures_each_command(monkeypatch: pytest.MonkeyPatch, capsys):
    argv = ["profile_commands", "--subscribers", "300", "--audit", "500", "--runs", "3"]
    argv.append("--profile")
    monkeypatch.setattr(sys, "argv", argv)
    profile_commands.main()
    out = capsys.readouterr().out
    assert "over 300 subscribers and 500 audit entries" in out
    figures = re.findall(r"^  (.+?)\s+median\s+([\d.]+) ms", out, re.MULTILINE)
    assert [name for name, _ in figures][:2] == ["help", "status pending"]
    assert len(figures) == 4 and all(float(ms) > 0 for _, ms in figures)
    assert out.count("=== ") == 4 and "dispatch" in out  # each profile reaches the chain


def test_a_generated_audit_trail_spreads_over_the_year_and_the_team(sqlite_database, clock):
    team = ("a@x.example", "b@x.example")
    assert seed_audit(sqlite_database, count=1200, actors=team, random_seed=3, clock=clock) == 1200
    with sqlite_database.uow() as uow:
        entries = uow.audit.after(0, limit=2000)
    assert len(entries) == 1200 and {e.actor for e in entries} == set(team)
    assert len({e.correlation_id for e in entries}) == 1200
    first, last = entries[0].at, entries[-1].at
    assert timedelta(days=364) < last - first <= timedelta(days=365)
    assert last <= clock.now()
