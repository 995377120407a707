"""Read-only figures about work waiting in the outbox and the event table (metrics, doctor)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from storage import events, outbox
from storage.models import OutboxRow, WebhookEventRow

_WAITING_REPLY = outbox.WAITING  # a reply being sent (its outcome unknown) still waits
_WAITING_EVENT = events.PENDING


class BacklogRepository:
    """How old the oldest waiting reply and event are, and how many failed."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def oldest_undelivered(self) -> datetime | None:
        """When the oldest reply still waiting to be delivered was enqueued."""
        stmt = sa.select(sa.func.min(OutboxRow.created_at)).where(
            OutboxRow.status.in_(_WAITING_REPLY)
        )
        return self._utc(self.session.scalar(stmt))

    def oldest_pending_event(self) -> datetime | None:
        """When the oldest event not yet handled was received."""
        stmt = sa.select(sa.func.min(WebhookEventRow.received_at)).where(
            WebhookEventRow.status == _WAITING_EVENT
        )
        return self._utc(self.session.scalar(stmt))

    @staticmethod
    def _utc(value: datetime | None) -> datetime | None:
        # An aggregate may bypass the column's type decorator: min() can come back naive UTC.
        if value is None:
            return None
        return value if value.tzinfo else value.replace(tzinfo=UTC)
