"""Claims on email addresses while a retry gives one to a subscriber.

The owner check of a retry (onboarding/email_owners.py) reads the snapshot, which knows of a
retry only once it is done: two retries giving one address to two subscribers at the same moment
(two admins in two spaces, two worker processes) could both pass it. So the retry first takes
the address here, in a transaction of its own that commits before the check, and drops it when
the provider has answered. The address's primary key makes the second taker see the first's
claim on both databases (SQLite's one writer, PostgreSQL's unique index), and it is refused. A
claim left by a process that died before dropping it expires on its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import EmailClaimRow

_CLAIMS = cast(sa.Table, EmailClaimRow.__table__)


class EmailClaimRepository:
    """The ``email_claims`` table."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def take(self, email: str, subscriber_id: str, *, now: datetime, until: datetime) -> str | None:
        """Claim ``email`` for ``subscriber_id`` until ``until``, in the caller's transaction.

        None when the claim is this subscriber's now (new, renewed, or taken over from one that
        expired); otherwise the subscriber id of the unexpired claim someone else holds.
        """
        address = email.lower()
        self.session.execute(
            sa.delete(_CLAIMS).where(_CLAIMS.c.email == address, _CLAIMS.c.expires_at <= now)
        )
        dialect = self.session.get_bind().dialect.name
        insert: Any = pg_insert if dialect == "postgresql" else sqlite_insert
        values = {"email": address, "subscriber_id": subscriber_id, "expires_at": until}
        new = insert(_CLAIMS).values(values).on_conflict_do_nothing().returning(_CLAIMS.c.email)
        for _ in range(3):  # a claim dropped between the insert and the read: insert again
            if self.session.execute(new).first() is not None:
                return None
            holder = self.session.scalar(
                sa.select(_CLAIMS.c.subscriber_id).where(_CLAIMS.c.email == address)
            )
            if holder == subscriber_id:  # ours already (a retry of the same retry): renewed
                self.session.execute(
                    sa.update(_CLAIMS).where(_CLAIMS.c.email == address).values(values)
                )
                return None
            if holder is not None:
                return holder
        raise RuntimeError(f"the claim on {address} kept changing hands")

    def drop(self, email: str, subscriber_id: str) -> None:
        """Give up ``subscriber_id``'s claim on ``email`` (no-op when it is not theirs)."""
        self.session.execute(
            sa.delete(_CLAIMS).where(
                _CLAIMS.c.email == email.lower(), _CLAIMS.c.subscriber_id == subscriber_id
            )
        )
