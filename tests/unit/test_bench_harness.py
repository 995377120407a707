"""The benchmark's arithmetic: percentiles and per-space order violations."""

from __future__ import annotations

import math

from bench.chaos import Outcome
from bench.harness import Reply, cpu_ticks, order_violations, percentile, steal_percent
from bench.report import chaos_table, engine_table


def test_steal_is_the_stolen_share_of_the_ticks_between_two_readings():
    assert steal_percent((1000, 10), (1200, 60)) == 25.0
    assert steal_percent((5, 1), (5, 1)) == 0.0
    total, stolen = cpu_ticks()
    assert total >= stolen >= 0


def test_percentiles_interpolate_between_samples():
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert percentile([1.0, 2.0], 50) == 1.5
    assert percentile([5.0, 1.0, 3.0], 100) == 5.0
    assert math.isnan(percentile([], 99))


def commands(*rooms: str) -> list[dict[str, str]]:
    return [{"id": f"c{i}", "roomId": room} for i, room in enumerate(rooms)]


def replies(*pairs: tuple[str, str]) -> list[Reply]:
    return [
        Reply(t=float(n), id=f"r{n}", room=room, parent=parent)
        for n, (parent, room) in enumerate(pairs)
    ]


def test_answers_in_the_order_asked_are_no_violation_even_across_spaces():
    sent = commands("A", "B", "A", "B")
    got = replies(("c1", "B"), ("c0", "A"), ("c3", "B"), ("c2", "A"))
    assert order_violations(sent, got) == (0, 0)


def test_a_later_command_answered_first_in_its_space_is_one_violation():
    sent = commands("A", "A", "A", "B", "B")
    got = replies(("c1", "A"), ("c0", "A"), ("c2", "A"), ("c3", "B"), ("c4", "B"))
    assert order_violations(sent, got) == (1, 1)


def test_only_the_first_answer_to_a_command_counts_for_order():
    sent = commands("A", "A")
    got = replies(("c0", "A"), ("c1", "A"), ("c0", "A"))
    assert order_violations(sent, got) == (0, 0)


def test_a_chaos_case_passes_only_with_every_command_answered_once_and_in_time():
    def case(**kw: object) -> Outcome:
        figures: dict = {"sent": 10, "answered": 10, "doubled": 0, "recover_s": 3.0, "seconds": 9.0}
        figures.update(kw)
        return Outcome("kill-9", **figures)

    assert case().passed
    assert not case(answered=9).passed and case(answered=9).lost == 1
    assert not case(doubled=1).passed
    assert case(bound_s=10.0).passed
    assert not case(bound_s=10.0, recover_s=10.5).passed
    assert not case(bound_s=10.0, recover_s=None).passed


def test_the_readme_tables_are_printed_from_the_results_not_typed():
    row = {"server": "onboard-bot", "latency_ms": 100.0, "acks_per_s": 300.0}
    bare = {"server": "bare", "latency_ms": 100.0, "acks_per_s": 1200.0}
    results = {
        "results": [row, bare],
        "checks": [{"target": "acks/s >= 70% of bare Flask", "value": 0.25, "met": False}],
        "when": "2026-12-01T20:00:00+00:00",
        "cpus": 2,
        "load_average": [3.0, 3.0, 3.0],
    }
    table = engine_table(results)
    assert "| acks/s, 8 clients (acks/s) | 1,200 | – | 300 | 0.25× | – |" in table
    assert "missed: acks/s >= 70% of bare Flask (0.25)" in table
    assert "load average 3.0. Targets" in table  # an older run, with no steal read
    assert "load average 3.0, CPU steal 31 %. Targets" in engine_table(
        {**results, "steal_percent": 31.2}
    )
    chaos = chaos_table(
        {
            "results": [
                {"case": "kill-9", "sent": 200, "answered": 200, "doubled": 1, "lost": 0}
                | {"recover_s": 117.8, "passed": False}
            ],
            "when": "2026-12-01T20:00:00+00:00",
            "commit": "abc1234",
        }
    )
    assert "| kill-9 | 200 | 200 | 1 | 0 | 117.8 | FAIL |" in chaos
