"""Commands typed in Czech: every command has a Czech name, with or without diacritics, any case.

The walk goes over the registry itself, so a new command without a Czech name fails here.
"""

from __future__ import annotations

import pytest

import commands  # noqa: F401  (registers every command and its Czech names)
from bot.cards.help import usage
from commands import views as v
from commands.parsing import find_command
from commands.registry import REGISTRY, CommandSpec
from i18n.words import fold
from tests.support.chat import VIEWER, Chat

SPECS = REGISTRY.commands()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_every_command_has_a_czech_name_that_works_with_and_without_diacritics(
    spec: CommandSpec,
) -> None:
    assert spec.czech, f"{spec.name} has no Czech name (commands/czech.py)"
    for name in spec.czech:
        for typed in (name, fold(name), name.upper(), fold(name).title()):
            found = find_command(f"{typed} x", REGISTRY)
            assert found.spec is spec, (typed, found.spec.name)


def test_some_czech_names_carry_diacritics_so_the_folding_is_tested() -> None:
    names = [n for s in SPECS for n in s.czech]
    assert any(n != fold(n) for n in names)
    assert {"stav", "opakovat", "smazat", "balíček", "chyba", "export", "šablona"} <= set(names)
    assert {"stavy", "uvízlí", "vysvětli", "přehled"} <= set(names)


@pytest.mark.parametrize(
    ("czech", "english"),
    [
        ("stav nevyřízené", "status pending"),
        ("STAV nevyrizene", "status pending"),
        ("stav chyby zákazník acme-cz", "status errors customer acme-cz"),
        ("Stav Zřízené", "status provisioned"),
        ("stav vše strana 2", "status all page 2"),
        ("stavy", "states"),
        ("uvízlí 3", "stuck 3"),
        ("uvizli 3", "stuck 3"),
        ("vysvětli Neověřeno", "explain not verified"),
        ("šablony", "templates"),
    ],
)
def test_a_czech_command_answers_as_the_english_one(chat: Chat, czech: str, english: str) -> None:
    said, meant = chat.say(czech, who=VIEWER), chat.say(english, who=VIEWER)
    assert said.ok, said.markdown
    if isinstance(said.view, v.StatusListView) and isinstance(meant.view, v.StatusListView):
        # the same users; the page buttons keep the words as typed ("status nevyrizene page 2")
        assert (said.view.query, said.view.page) == (meant.view.query, meant.view.page)
    else:
        assert said.view == meant.view


def test_did_you_mean_suggests_in_the_language_typed(chat: Chat) -> None:
    czech = chat.say("stv")
    assert not czech.ok and "`stav`" in czech.markdown and "`status`" not in czech.markdown
    english = chat.say("stauts")
    assert not english.ok and "`status`" in english.markdown and "`stav`" not in english.markdown
    accented = chat.say("vysvětlit")
    assert "`vysvětli`" in accented.markdown
    assert "nevyřízené" in chat.say("stav nevyrizne").markdown  # a filter word, in Czech too
    assert "pending" in chat.say("status pendng").markdown


def test_czech_help_shows_the_czech_names_first(chat: Chat) -> None:
    assert chat.say("language cs").ok
    listing = chat.say("nápověda")
    assert isinstance(listing.view, v.HelpView)
    for spec in listing.view.commands:
        assert usage(spec, "cs").startswith(spec.czech[0]), spec.name
    assert "`stav [filtry…]`" in listing.markdown
    detail = chat.say("napoveda stav")
    assert detail.markdown.startswith("**`stav [filtry…]`**")
    assert "Také: `status`, `list`, `ls`" in detail.markdown
    english = chat.say("help status").markdown_in("en")
    assert english.startswith("**`status [filters…]`**") and "`stav`" in english
