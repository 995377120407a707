"""Digest definitions and their runs: what is scheduled where, and what each firing posted.

A run is inserted under the unique (digest, fire time) key with ``ON CONFLICT DO NOTHING``, so of
two processes that fire the same digest at the same time exactly one gets a row back. Runs carry
the summary of what was posted; the bulky per-subscriber sets are kept only in the latest posted
run of each space (``prune_sets``), which is all "new since the previous digest" needs.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import DigestRow, DigestRunRow

#: Keys of ``DigestRunRow.summary`` that only the latest posted run of a space needs.
SET_KEYS: tuple[str, ...] = ("open",)
#: ``summary["posted"]``: True when the run put a message in the outbox.
POSTED = "posted"


class DuplicateDigest(Exception):
    """The space already has an enabled chat digest on this schedule, zone and content."""

    def __init__(self, space_id: str) -> None:
        super().__init__(space_id)
        self.space_id = space_id


class DigestRepository:
    """Digest definitions and runs."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # --- definitions ---------------------------------------------------------------------

    def get(self, digest_id: int) -> DigestRow | None:
        """The digest with this id."""
        return self.session.get(DigestRow, digest_id)

    def add(self, row: DigestRow) -> DigestRow:
        """Insert a digest; its id is set when this returns.

        Raises :class:`DuplicateDigest` when the space already has this enabled chat digest
        (the unique index of 0009 decides, so two admins at once cannot both add it).
        """
        self.session.add(row)
        try:
            self.session.flush()
        except sa.exc.IntegrityError as exc:
            raise DuplicateDigest(row.space_id) from exc
        return row

    def for_space(self, space_id: str, *, enabled_only: bool = True) -> list[DigestRow]:
        """The digests of a space, oldest first."""
        stmt = sa.select(DigestRow).where(DigestRow.space_id == space_id)
        if enabled_only:
            stmt = stmt.where(DigestRow.enabled.is_(True))
        return list(self.session.scalars(stmt.order_by(DigestRow.id)))

    def same_schedule(
        self, space_id: str, *, cron: str, timezone: str, content: str
    ) -> DigestRow | None:
        """The enabled digest of ``space_id`` posting ``content`` on this cron line in this zone."""
        stmt = sa.select(DigestRow).where(
            DigestRow.space_id == space_id,
            DigestRow.enabled.is_(True),
            DigestRow.cron == cron,
            DigestRow.timezone == timezone,
            DigestRow.content == content,
        )
        return self.session.scalars(stmt.order_by(DigestRow.id).limit(1)).first()

    def enabled(self) -> list[DigestRow]:
        """Every digest that should be scheduled."""
        stmt = sa.select(DigestRow).where(DigestRow.enabled.is_(True)).order_by(DigestRow.id)
        return list(self.session.scalars(stmt))

    def by_source(self, source: str) -> list[DigestRow]:
        """Every digest from ``source`` (config or chat), enabled or not."""
        stmt = sa.select(DigestRow).where(DigestRow.source == source).order_by(DigestRow.id)
        return list(self.session.scalars(stmt))

    # --- runs ----------------------------------------------------------------------------

    def insert_run(
        self, digest_id: int, fire_time: datetime, *, posted_at: datetime, summary: dict[str, Any]
    ) -> int | None:
        """Record a firing; the new run's id, or None when this firing was already recorded."""
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = (
            insert(DigestRunRow)
            .values(digest_id=digest_id, fire_time=fire_time, posted_at=posted_at, summary=summary)
            .on_conflict_do_nothing(index_elements=["digest_id", "fire_time"])
            .returning(DigestRunRow.id)
        )
        # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT DO NOTHING.
        return self.session.execute(stmt).scalar()

    def run(self, digest_id: int, fire_time: datetime) -> DigestRunRow | None:
        """The run of ``digest_id`` at ``fire_time``, if recorded."""
        stmt = sa.select(DigestRunRow).where(
            DigestRunRow.digest_id == digest_id, DigestRunRow.fire_time == fire_time
        )
        return self.session.scalars(stmt).first()

    def runs(self, digest_ids: Collection[int] | None = None) -> list[DigestRunRow]:
        """Runs (of the given digests, or all), oldest firing first."""
        stmt = sa.select(DigestRunRow)
        if digest_ids is not None:
            stmt = stmt.where(DigestRunRow.digest_id.in_(sorted(digest_ids)))
        return list(self.session.scalars(stmt.order_by(DigestRunRow.fire_time, DigestRunRow.id)))

    def last_run(self, digest_id: int) -> DigestRunRow | None:
        """The latest firing of a digest."""
        stmt = (
            sa.select(DigestRunRow)
            .where(DigestRunRow.digest_id == digest_id)
            .order_by(DigestRunRow.fire_time.desc(), DigestRunRow.id.desc())
        )
        return self.session.scalars(stmt.limit(1)).first()

    def _space_runs(self, space_id: str, before: datetime) -> sa.Select[DigestRunRow]:
        return (
            sa.select(DigestRunRow)
            .join(DigestRow, DigestRow.id == DigestRunRow.digest_id)
            .where(DigestRow.space_id == space_id, DigestRunRow.fire_time < before)
            .order_by(DigestRunRow.fire_time.desc(), DigestRunRow.id.desc())
        )

    def previous_posted(self, space_id: str, before: datetime) -> DigestRunRow | None:
        """The latest run in ``space_id`` before ``before`` that posted a message."""
        # Quiet digests leave runs that posted nothing; skip them in pages, newest first.
        offset, page = 0, 50
        while True:
            rows = list(
                self.session.scalars(self._space_runs(space_id, before).offset(offset).limit(page))
            )
            for row in rows:
                if row.summary.get(POSTED):
                    return row
            if len(rows) < page:
                return None
            offset += page

    def prune_sets(self, space_id: str, before: datetime, *, keep: int | None = None) -> int:
        """Drop the per-subscriber sets from the space's runs before ``before``; how many changed.

        ``keep`` names a run id to leave alone (the baseline still in use).
        """
        changed = 0
        for row in self.session.scalars(self._space_runs(space_id, before).limit(20)):
            if row.id == keep or not any(k in row.summary for k in SET_KEYS):
                continue
            row.summary = {k: v for k, v in row.summary.items() if k not in SET_KEYS}
            changed += 1
        return changed
