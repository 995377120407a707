"""Which language answers whom: the stored choices of a space and a person, and the rule.

A person's own language wins where the answer is theirs alone (their 1:1 space, their card
clicks, the command line); elsewhere the space's; else app.yaml's ``locale``.
"""

from __future__ import annotations

from dataclasses import dataclass

from commands.views import Label, Msg
from storage.languages import LanguageScope
from storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Languages:
    """The languages in force for one asker in one space, and where each comes from."""

    space: str | None  # the space's own setting
    person: str | None  # the asker's own setting
    default: str  # app.yaml's locale


def lookup(uow: UnitOfWork, *, person: str, space_id: str | None, default: str) -> Languages:
    """The stored settings of ``person`` and ``space_id`` (None where nothing was chosen)."""
    if space_id:
        uow.languages.load((LanguageScope.SPACE, space_id), (LanguageScope.PERSON, person))
    space = uow.languages.get(LanguageScope.SPACE, space_id) if space_id else None
    return Languages(space, uow.languages.get(LanguageScope.PERSON, person), default)


def choose_locale(found: Languages, *, own: bool) -> str:
    """The locale to answer in: the person's own where ``own`` (1:1 space, card click)."""
    if own and found.person:
        return found.person
    return found.space or found.default


def language_label(locale: str) -> Label:
    """A locale as people call it (Czech, English), worded in the reply's language."""
    return Label(f"language.{locale}")


def language_lines(found: Languages) -> tuple[Msg, ...]:
    """What ``language`` (and ``help``) say about the languages in force."""
    space = (
        Msg("language.space", {"language": language_label(found.space)})
        if found.space
        else Msg("language.space.default", {"language": language_label(found.default)})
    )
    person = (
        Msg("language.person", {"language": language_label(found.person)})
        if found.person
        else Msg("language.person.none", {})
    )
    return space, person, Msg("language.how", {})
