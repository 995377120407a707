"""The space allow-list governs group spaces; a person's own 1:1 space with the bot is theirs."""

from __future__ import annotations

from pathlib import Path

from bot.bootstrap import build_bot
from bot.dispatch import Request, dispatch
from bot.settings import AccessSettings, Settings
from onboarding.clock import ManualClock
from storage.uow import Database


def _bot(database: Database, clock: ManualClock, tmp_path: Path):
    access = AccessSettings(admins=("alice@partner.example",), allowed_spaces=("ops-room",))
    settings = Settings(access=access, files_dir=tmp_path / "files")
    return build_bot(settings, db=database, clock=clock, migrate=False)


def test_direct_space_is_served_despite_the_allow_list(
    sqlite_database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    bot = _bot(sqlite_database, clock, tmp_path)
    direct = Request(
        person_email="alice@partner.example", text="help", space_id="dm-1", direct=True
    )
    assert dispatch(bot, direct).reply.ok


def test_group_space_off_the_list_is_refused(
    sqlite_database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    bot = _bot(sqlite_database, clock, tmp_path)
    group = Request(person_email="alice@partner.example", text="help", space_id="other-room")
    assert not dispatch(bot, group).reply.ok
    listed = Request(person_email="alice@partner.example", text="help", space_id="ops-room")
    assert dispatch(bot, listed).reply.ok


def test_a_stranger_gets_nothing_in_a_direct_space(
    sqlite_database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    bot = _bot(sqlite_database, clock, tmp_path)
    stranger = Request(person_email="eve@else.example", text="help", space_id="dm-2", direct=True)
    assert not dispatch(bot, stranger).reply.ok
