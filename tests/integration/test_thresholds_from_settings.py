"""`stuck` and `digest now` judge users by the thresholds in app.yaml, not by built-in numbers."""

from __future__ import annotations

from pathlib import Path

from commands.views import DigestView, StuckView
from onboarding.clock import ManualClock
from storage.uow import Database
from tests.support.chat import Chat, chat_bot


def _ask(database: Database, clock: ManualClock, tmp_path: Path, text: str, **settings: int):
    """``text`` said to a bot configured with ``settings`` (everyone an admin)."""
    bot = chat_bot(database, clock, tmp_path, access=None, **settings)
    return Chat(bot, org=None).say(text)


def test_stuck_uses_the_configured_days(
    sqlite_database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    default = _ask(sqlite_database, clock, tmp_path, "stuck").view
    strict = _ask(sqlite_database, clock, tmp_path, "stuck", not_verified_days=1000).view
    assert isinstance(default, StuckView) and isinstance(strict, StuckView)
    assert default.not_verified_days == 7 and strict.not_verified_days == 1000
    not_verified = [s for s in default.users if s.user.state.value == "not_verified"]
    assert not_verified
    assert not [s for s in strict.users if s.user.state.value == "not_verified"]


def test_digest_now_uses_the_configured_days(
    sqlite_database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    loose = _ask(sqlite_database, clock, tmp_path, "digest now", not_verified_days=1000).view
    assert isinstance(loose, DigestView)
    assert loose.report.options.not_verified_days == 1000
    assert loose.report.not_verified.total == 0
