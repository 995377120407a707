"""CPU per chat command through the whole dispatch chain, and a pyinstrument profile of each.

    .venv/bin/python -m bench.profile_commands [--subscribers 100000] [--audit 100000]
        [--runs 200] [--profile]

Builds the real bot (sandbox provider, demo data) over a temporary SQLite database seeded with
``--subscribers`` generated subscribers and ``--audit`` audit entries over a year (20 people's
commands, the asker's among them: what a long-lived installation's chain reads), then
dispatches each command ``--runs`` times as a person in a Webex space would (``via="chat"`` or
``"card"``: access, rate limit, the command, the audit entry) and renders the reply as the
worker does (markdown, card, the card as JSON for the outbox). CPU is ``time.process_time`` of
this process, so the database's own work (SQLite runs in process) is included. ``--profile``
prints a pyinstrument profile of each command.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bot.bootstrap import Bot, build_bot
from bot.dispatch import Request, dispatch
from bot.replies import render
from bot.settings import AccessSettings, SandboxSettings, Settings
from commands.views import StatusListView
from onboarding.seeding import seed_audit, seed_subscribers
from storage.uow import Database

ADMIN = "ada.admin@partner.example"
SPACE = "space-ops"


def _bot(directory: Path, subscribers: int, audit: int) -> Bot:
    db = Database.from_url(f"sqlite:///{directory / 'bench.db'}")
    db.upgrade()
    settings = Settings(
        access=AccessSettings(admins=(ADMIN,)),
        files_dir=directory / "files",
        sandbox=SandboxSettings(step_seconds=3600),
        commands_per_minute=10**9,
    )
    bot = build_bot(settings, db=db)
    if subscribers:
        seed_subscribers(db, count=subscribers, random_seed=1, progress=False)
    if audit:  # a year of a team's commands, ADMIN's among them
        people = (ADMIN, *(f"colleague{n}@partner.example" for n in range(19)))
        seed_audit(db, count=audit, actors=people, random_seed=1)
    return bot


def _typed(bot: Bot, text: str) -> Callable[[], object]:
    def once() -> object:
        done = dispatch(bot, Request(person_email=ADMIN, text=text, space_id=SPACE))
        rendered = render(done.reply, bot.settings.locale)
        return json.dumps(rendered.card) if rendered.card else rendered.markdown

    return once


def _clicked(bot: Bot, action: str, inputs: dict[str, object]) -> Callable[[], object]:
    data = {"action": action, **inputs}

    def once() -> object:
        request = Request(
            person_email=ADMIN, action=action, inputs=data, via="card", space_id=SPACE
        )
        done = dispatch(bot, request)
        rendered = render(done.reply, bot.settings.locale)
        return json.dumps(rendered.card) if rendered.card else rendered.markdown

    return once


def cpu_ms(run: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and p90 CPU milliseconds of ``run`` over ``runs`` calls (after three warm-ups)."""
    for _ in range(3):
        run()
    times = []
    for _ in range(runs):
        start = time.process_time()
        run()
        times.append((time.process_time() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1]


def main() -> None:
    """Measure (and optionally profile) ``help``, ``status pending`` and a card click."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--audit", type=int, default=100_000, help="audit entries, a year's")
    parser.add_argument("--profile", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bot = _bot(Path(tmp), options.subscribers, options.audit)
        listed = dispatch(bot, Request(person_email=ADMIN, text="status errors", space_id=SPACE))
        view = listed.reply.view
        assert isinstance(view, StatusListView) and view.page.items, "the demo data has errors"
        first = view.page.items[0]
        commands = {
            "help": _typed(bot, "help"),
            "status pending": _typed(bot, "status pending"),
            "card click (status.list pending page 2)": _clicked(
                bot, "status.list", {"filters": "pending page 2"}
            ),
            "card click (user.status: open a user)": _clicked(
                bot, "user.status", {"user": first.id}
            ),
        }
        print(
            f"CPU per command over {options.subscribers:,} subscribers and {options.audit:,} "
            f"audit entries, {options.runs} runs"
        )
        for name, run in commands.items():
            median, p90 = cpu_ms(run, options.runs)
            print(f"  {name:42} median {median:6.2f} ms   p90 {p90:6.2f} ms")
        if options.profile:
            from pyinstrument import Profiler

            for name, run in commands.items():
                profiler = Profiler(interval=0.0005)
                with profiler:
                    for _ in range(max(options.runs // 4, 10)):
                        run()
                print(f"\n=== {name} ===")
                print(profiler.output_text(unicode=True, color=False, show_all=False))
        bot.db.dispose()


if __name__ == "__main__":
    main()
