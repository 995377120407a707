"""Confirmations of destructive actions: short single-use codes that expire, bound to one person."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from storage.models import ConfirmationRow

# No 0/O, 1/I/L: a code is read off a screen and typed back.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_code(length: int = CODE_LENGTH) -> str:
    """A random confirmation code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


class ConfirmationRepository:
    """The ``confirmations`` table."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def create(
        self,
        *,
        person: str,
        action: str,
        target: str,
        created_at: datetime,
        expires_at: datetime,
        space_id: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> ConfirmationRow:
        """Store a new confirmation under a fresh code and return it."""
        code = new_code()
        while self.session.get(ConfirmationRow, code) is not None:
            code = new_code()
        row = ConfirmationRow(
            code=code,
            person=person,
            space_id=space_id,
            action=action,
            target=target,
            params=params or {},
            created_at=created_at,
            expires_at=expires_at,
            used_at=None,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def get(self, code: str) -> ConfirmationRow | None:
        """The confirmation with this code (codes are upper case)."""
        return self.session.get(ConfirmationRow, code.upper())

    def use(self, code: str, now: datetime) -> bool:
        """Mark the code used; False if it was already used (by a concurrent confirm, too)."""
        # One conditional UPDATE, so two confirms racing for one code cannot both win.
        result = self.session.execute(
            sa.update(ConfirmationRow)
            .where(ConfirmationRow.code == code.upper(), ConfirmationRow.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    def purge_expired(self, before: datetime) -> int:
        """Delete confirmations that expired before ``before``; returns how many."""
        result = self.session.execute(
            sa.delete(ConfirmationRow)
            .where(ConfirmationRow.expires_at < before)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)
