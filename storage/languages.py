"""The languages people chose in chat: a space's (``language cs``) and a person's (``language me``).

App.yaml's ``locale`` is the default; a row here overrides it for one space or one person.
"""

from __future__ import annotations

import functools
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from storage.models import LanguageRow


class LanguageScope(StrEnum):
    """Whose language a row sets."""

    SPACE = "space"
    PERSON = "person"


class LanguageRepository:
    """The ``language_settings`` table."""

    def __init__(self, session: Session) -> None:
        self.session = session
        # What this unit of work has read: the dispatch chain (the reply's language) and the
        # command (``help`` lists the languages in force) ask for the same two rows, and a
        # missing row, the usual case, is not in the session's identity map to be found again.
        self._known: dict[tuple[str, str], str | None] = {}

    def get(self, scope: LanguageScope, key: str) -> str | None:
        """The locale chosen for the space id or email ``key``, or None when none was."""
        ident = (scope.value, key)
        if ident not in self._known:
            row = self.session.get(LanguageRow, ident)
            self._known[ident] = row.locale if row is not None else None
        return self._known[ident]

    def load(self, *idents: tuple[LanguageScope, str]) -> None:
        """Read several settings in one query (the chain's language link: the space's and the
        person's), so that ``get`` finds them without a query each."""
        wanted = [
            (scope.value, key) for scope, key in idents if (scope.value, key) not in self._known
        ]
        if not wanted:
            return
        found: dict[tuple[str, str], str | None] = dict.fromkeys(wanted)
        for scope, key, locale in self.session.execute(
            _load_statement(len(wanted)), _params(wanted)
        ):
            found[(scope, key)] = locale
        self._known.update(found)

    def choose(
        self, scope: LanguageScope, key: str, locale: str, *, by: str, at: datetime
    ) -> str | None:
        """Store ``locale`` for ``key``; return the locale it replaces (None: there was none)."""
        self._known[(scope.value, key)] = locale
        row = self.session.get(LanguageRow, (scope.value, key))
        if row is None:
            self.session.add(
                LanguageRow(scope=scope.value, key=key, locale=locale, set_by=by, set_at=at)
            )
            self.session.flush()
            return None
        before = row.locale
        row.locale, row.set_by, row.set_at = locale, by, at
        self.session.flush()
        return before


@functools.cache
def _load_statement(count: int) -> Any:
    # On the table's columns (Core): the chain runs it for every command, and an ORM select of
    # three plain columns only added its compile step.
    table = cast(sa.Table, LanguageRow.__table__)
    columns = sa.select(table.c.scope, table.c.key, table.c.locale)
    return columns.where(
        sa.or_(
            *(
                sa.and_(
                    table.c.scope == sa.bindparam(f"scope_{i}"),
                    table.c.key == sa.bindparam(f"key_{i}"),
                )
                for i in range(count)
            )
        )
    )


def _params(idents: list[tuple[str, str]]) -> dict[str, str]:
    params: dict[str, str] = {}
    for i, (scope, key) in enumerate(idents):
        params[f"scope_{i}"] = scope
        params[f"key_{i}"] = key
    return params
