"""Each space and each person in their own language, in one run: ``language cs``, ``language me``.

The same command answers in Czech in a space set to Czech and in English in one set to English;
a person's own language wins in their 1:1 space and after their clicks; a digest posts in its
space's language; every change is stored and audited.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.jobs import run_digest
from storage.languages import LanguageScope
from storage.models import AuditEntryRow, DigestRow
from tests.support.chat import ADMIN, SUPPORT, VIEWER, Chat

CZECH_SPACE = "space-praha"
ENGLISH_SPACE = "space-dublin"
DIRECT = "direct-ada"


def test_two_spaces_answer_the_same_command_each_in_its_own_language(chat: Chat) -> None:
    assert chat.say("language cs", space=CZECH_SPACE).ok
    assert chat.say("language en", space=ENGLISH_SPACE).ok
    czech = chat.say("status pending", space=CZECH_SPACE, who=VIEWER)
    english = chat.say("status pending", space=ENGLISH_SPACE, who=VIEWER)
    assert czech.view == english.view  # the same answer…
    assert czech.locale == "cs" and "**Uživatelé:" in czech.markdown  # …worded per space
    assert english.locale == "en" and "**Users:" in english.markdown
    card = czech.card
    assert card is not None and "Vyloučit zřízené uživatele" in str(card)


def test_setting_the_language_answers_in_the_new_one(chat: Chat) -> None:
    said = chat.say("language cs", space=CZECH_SPACE)
    assert said.locale == "cs"
    assert "V tomto prostoru teď odpovídám v jazyce: čeština." in said.markdown
    again = chat.say("jazyk čeština", space=CZECH_SPACE)
    assert "už odpovídám" in again.markdown
    back = chat.say("LANGUAGE english", space=CZECH_SPACE)
    assert back.locale == "en" and "This space now gets my answers in English." in back.markdown


def test_a_persons_own_language_wins_in_their_direct_space(chat: Chat) -> None:
    assert chat.say("language me cs", space=DIRECT, direct=True).ok
    direct = chat.say("help", space=DIRECT, direct=True)
    assert direct.locale == "cs" and "**Co pro vás mohu udělat**" in direct.markdown
    group = chat.say("help", space=ENGLISH_SPACE)
    assert group.locale == "en" and "**What I can do for you**" in group.markdown
    others = chat.say("help", space=DIRECT, direct=True, who=SUPPORT)
    assert others.locale == "en"  # their own choice only


def test_a_persons_own_language_answers_their_card_clicks_in_any_space(chat: Chat) -> None:
    assert chat.say("language en", space=CZECH_SPACE).ok
    assert chat.say("language me cs", who=VIEWER).ok
    clicked = chat.click("status.list", {"filters": "errors"}, who=VIEWER, space=ENGLISH_SPACE)
    assert clicked.ok and clicked.locale == "cs"
    typed = chat.say("status errors", who=VIEWER, space=ENGLISH_SPACE)
    assert typed.locale == "en"  # typed in a shared space: the space's language


def test_only_admins_set_a_spaces_language_and_anyone_sets_their_own(chat: Chat) -> None:
    refused = chat.say("language cs", who=VIEWER)
    assert not refused.ok and refused.view.kind.value == "forbidden"
    assert "Only an admin sets the language of a space (you are a viewer)" in refused.markdown
    with chat.bot.db.uow() as uow:
        assert uow.languages.get(LanguageScope.SPACE, "space-ops") is None
    assert chat.say("language me cs", who=VIEWER).ok
    with chat.bot.db.uow() as uow:
        assert uow.languages.get(LanguageScope.PERSON, VIEWER) == "cs"


def test_bad_words_get_an_answer_in_the_persons_words(chat: Chat) -> None:
    said = chat.say("language klingon")
    assert not said.ok
    assert "I speak Czech (`cs`) and English (`en`), not `klingon`." in said.markdown
    assert "language." not in said.markdown  # never a catalog key
    no_space = chat.say("language cs", space=None)
    assert not no_space.ok and "`language me cs` sets yours" in no_space.markdown


def test_every_change_is_audited(chat: Chat) -> None:
    chat.say("language cs", space=CZECH_SPACE)
    chat.say("language me en", who=SUPPORT)
    rows = chat.audit(AuditEntryRow.action == "language")
    assert [(r.actor, r.space_id, r.text, r.result) for r in rows] == [
        (ADMIN, CZECH_SPACE, "language cs", "ok"),
        (SUPPORT, "space-ops", "language me en", "ok"),
    ]
    assert [r.target for r in rows] == [f"space {CZECH_SPACE}: cs", f"person {SUPPORT}: en"]


def test_help_and_language_show_the_languages_in_force(chat: Chat) -> None:
    chat.say("language cs", space=CZECH_SPACE)
    chat.say("language me en", space=CZECH_SPACE)
    shown = chat.say("language", space=CZECH_SPACE)
    assert "Jazyk tohoto prostoru: čeština." in shown.markdown
    assert "Váš vlastní jazyk: angličtina." in shown.markdown
    help_ = chat.say("help", space=ENGLISH_SPACE)
    assert "Language of this space: English (the bot's default)." in help_.markdown
    assert "Your own language: English." in help_.markdown
    chat.say("language me cs", space=ENGLISH_SPACE)
    direct = chat.say("language", space=DIRECT, direct=True)
    assert direct.locale == "cs"  # answered in the person's own language…
    assert "Jazyk tohoto prostoru: angličtina (výchozí jazyk bota)." in direct.markdown  # …truly


def test_a_digest_posts_in_its_spaces_language(chat: Chat) -> None:
    chat.say("language cs", space=CZECH_SPACE)
    assert chat.say("digest daily 08:00", space=CZECH_SPACE).ok
    assert chat.say("digest daily 08:00", space=ENGLISH_SPACE).ok
    with chat.bot.db.uow() as uow:
        ids = dict(uow.session.execute(sa.select(DigestRow.space_id, DigestRow.id)).all())
    czech = run_digest(chat.bot, ids[CZECH_SPACE], post=False)
    english = run_digest(chat.bot, ids[ENGLISH_SPACE], post=False)
    assert czech.markdown is not None and czech.markdown.startswith("**Přehled onboardingu**")
    assert english.markdown is not None and english.markdown.startswith("**Onboarding digest**")
