"""Error text in digests goes exactly to spaces whose every reader may run ``error <user>``.

A digest posted into a space has no asker, so its readers decide (``AccessPolicy.space_role``):
a space configured as admin or support in ``access.spaces`` gets the text, any other space (its
members' roles are not known) the error codes and counts with a hint at ``error <user>``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bootstrap import Bot
from bot.jobs import run_digest
from commands.views import DigestView
from onboarding.clock import ManualClock
from onboarding.model import Subscriber
from storage.uow import Database
from tests.support.chat import ACCESS, SUPPORT, VIEWER, Chat
from tests.support.chat import chat_bot as build_chat_bot

SUPPORT_ROOM = "room-support"
VIEWER_ROOM = "room-viewers"
PLAIN_ROOM = "room-unconfigured"

VIEWER_HINT = {
    "en": "Error texts are not shown in this space; who may read them gets them with "
    "`error <user>`.",
    "cs": "Texty chyb se v tomto prostoru neukazují; kdo je smí číst, dostane je příkazem "
    "`error <uživatel>`.",
}
TEXT_HINT = {
    "en": "Exact error text for a ticket: `error <user>`.",
    "cs": "Přesný text chyby do tiketu: `error <uživatel>`.",
}
ONE_ERROR = {"en": "1 error (code {code})", "cs": "1 chyba (kód {code})"}


@pytest.fixture
def chat_bot(database: Database, clock: ManualClock, tmp_path: Path) -> Bot:
    spaces = {SUPPORT_ROOM: "support", VIEWER_ROOM: "viewer"}
    access = ACCESS.model_copy(update={"spaces": spaces})
    return build_chat_bot(database, clock, tmp_path, access=access)


def _first_error(view: DigestView) -> Subscriber:
    sub = next(s for s in view.report.new_errors.items if len(s.errors) == 1)
    return sub


@pytest.mark.parametrize("locale", ["en", "cs"])
@pytest.mark.parametrize("room", [VIEWER_ROOM, PLAIN_ROOM])
def test_a_viewer_audience_sees_codes_and_counts_never_the_text(
    chat: Chat, room: str, locale: str
) -> None:
    # Even the support person asking: everyone in the space reads the answer.
    said = chat.say("digest now", who=SUPPORT, space=room)
    assert said.ok and isinstance(said.view, DigestView)
    assert not said.view.error_text
    sub = _first_error(said.view)
    text = said.markdown_in(locale)
    assert sub.errors[0].description[:40] not in text
    assert ONE_ERROR[locale].format(code=sub.errors[0].code) in text
    assert VIEWER_HINT[locale] in text and TEXT_HINT[locale] not in text


@pytest.mark.parametrize("locale", ["en", "cs"])
def test_a_support_space_sees_the_error_text(chat: Chat, locale: str) -> None:
    said = chat.say("digest now", who=VIEWER, space=SUPPORT_ROOM)
    assert said.ok and isinstance(said.view, DigestView) and said.view.error_text
    sub = _first_error(said.view)
    text = said.markdown_in(locale)
    assert sub.errors[0].description[:40] in text
    assert TEXT_HINT[locale] in text and VIEWER_HINT[locale] not in text


def test_in_a_direct_space_the_asker_is_the_audience(chat: Chat) -> None:
    viewer = chat.say("digest now", who=VIEWER, space="direct-vera", direct=True)
    support = chat.say("digest now", who=SUPPORT, space="direct-sam", direct=True)
    assert isinstance(viewer.view, DigestView) and not viewer.view.error_text
    assert isinstance(support.view, DigestView) and support.view.error_text


@pytest.mark.parametrize("locale", ["en", "cs"])
def test_a_scheduled_digest_follows_its_space(chat: Chat, locale: str) -> None:
    posted: dict[str, str] = {}
    for room in (SUPPORT_ROOM, VIEWER_ROOM):
        chat.say(f"language {locale}", space=room)
        assert chat.say("digest daily 08:00 Europe/Prague errors", space=room).ok
    with chat.bot.db.uow() as uow:
        specs = {row.space_id: row.id for row in uow.digests.enabled()}
    for room in (SUPPORT_ROOM, VIEWER_ROOM):
        result = run_digest(chat.bot, specs[room], post=False)
        assert result.markdown is not None and result.report is not None
        posted[room] = result.markdown
    sub = next(s for s in result.report.new_errors.items if len(s.errors) == 1)  # same data
    assert sub.errors[0].description[:40] in posted[SUPPORT_ROOM]
    assert sub.errors[0].description[:40] not in posted[VIEWER_ROOM]
    assert VIEWER_HINT[locale] in posted[VIEWER_ROOM]
