"""A space's watches and what each has alerted about.

``claim`` inserts alert keys with ``ON CONFLICT DO NOTHING ... RETURNING``: the keys it hands back
are this transaction's alone, so the caller posts exactly those, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import StatusTransitionRow, WatchAlertRow, WatchRow


class WatchRepository:
    """Watches of spaces, and the alert keys each one has posted."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: WatchRow) -> WatchRow:
        """Insert a watch; its id is set when this returns."""
        self.session.add(row)
        self.session.flush()
        return row

    def for_space(self, space_id: str) -> list[WatchRow]:
        """The enabled watches of a space, oldest first."""
        stmt = sa.select(WatchRow).where(WatchRow.space_id == space_id, WatchRow.enabled.is_(True))
        return list(self.session.scalars(stmt.order_by(WatchRow.id)))

    def enabled(self) -> list[WatchRow]:
        """Every enabled watch."""
        stmt = sa.select(WatchRow).where(WatchRow.enabled.is_(True)).order_by(WatchRow.id)
        return list(self.session.scalars(stmt))

    def claim(self, watch_id: int, keys: Sequence[str], now: datetime) -> list[str]:
        """Record ``keys`` for the watch; the ones this call recorded (not already there)."""
        if not keys:
            return []
        postgres = self.session.get_bind().dialect.name == "postgresql"
        insert = pg_insert if postgres else sqlite_insert
        stmt = (
            insert(WatchAlertRow)
            .values([{"watch_id": watch_id, "key": k, "created_at": now} for k in keys])
            .on_conflict_do_nothing(index_elements=["watch_id", "key"])
            .returning(WatchAlertRow.key)
        )
        return list(self.session.connection().execute(stmt).scalars())

    def new_errors(
        self, watch: WatchRow, since: datetime, *, limit: int = 200
    ) -> list[StatusTransitionRow]:
        """Changes into ``error`` at or after ``since`` that the watch has not alerted about."""
        alerted = sa.select(WatchAlertRow.id).where(
            WatchAlertRow.watch_id == watch.id,
            WatchAlertRow.key == sa.literal("error:") + sa.cast(StatusTransitionRow.id, sa.String),
        )
        stmt = sa.select(StatusTransitionRow).where(
            StatusTransitionRow.to_status == "error",
            StatusTransitionRow.at >= since,
            ~sa.exists(alerted),
        )
        if watch.customer_id is not None:
            stmt = stmt.where(StatusTransitionRow.customer_id == watch.customer_id)
        stmt = stmt.order_by(StatusTransitionRow.at, StatusTransitionRow.id).limit(limit)
        return list(self.session.scalars(stmt))
