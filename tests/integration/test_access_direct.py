"""The space allow-list governs group spaces; a person's own 1:1 space with the bot is theirs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bootstrap import Bot
from bot.settings import AccessSettings
from onboarding.clock import ManualClock
from storage.uow import Database
from tests.support.chat import Chat, chat_bot

ALICE = "alice@partner.example"


@pytest.fixture
def chat(sqlite_database: Database, clock: ManualClock, tmp_path: Path) -> Chat:
    access = AccessSettings(admins=(ALICE,), allowed_spaces=("ops-room",))
    bot: Bot = chat_bot(sqlite_database, clock, tmp_path, access=access)
    return Chat(bot, who=ALICE, org=None)


def test_direct_space_is_served_despite_the_allow_list(chat: Chat) -> None:
    assert chat.say("help", space="dm-1", direct=True).ok


def test_group_space_off_the_list_is_refused(chat: Chat) -> None:
    assert not chat.say("help", space="other-room").ok
    assert chat.say("help", space="ops-room").ok


def test_a_stranger_gets_nothing_in_a_direct_space(chat: Chat) -> None:
    assert not chat.say("help", who="eve@else.example", space="dm-2", direct=True).ok
