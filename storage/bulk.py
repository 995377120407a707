"""Bulk retry jobs and their rows (``retry file``).

A running job is claimed like a webhook event (storage/claims.py): one process works it off at a
time, and a job whose process died (its heartbeat stopped) is taken by the next one. Each row
leaves ``ready`` once, in the transaction that records what was done to it (``settle``), so a
job resumed after a crash runs only the rows that were never carried out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from storage import claims
from storage.models import BulkJobRow, BulkRowRow

READY = "ready"
REFUSED = "refused"
DONE = "done"
FAILED = "failed"
#: The states a row ends in once it was taken from ``ready``.
FINISHED = (DONE, FAILED, REFUSED)


class BulkRepository:
    """Jobs of ``retry file`` and their rows."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_job(self, job: BulkJobRow, rows: Sequence[dict[str, Any]]) -> BulkJobRow:
        """Insert ``job`` and its rows (dicts of ``BulkRowRow`` columns, ``job_id`` filled in)."""
        self.session.add(job)
        self.session.flush()
        if rows:
            self.session.execute(sa.insert(BulkRowRow), [{**r, "job_id": job.id} for r in rows])
        return job

    def job(self, job_id: int) -> BulkJobRow | None:
        """One job by id."""
        return self.session.get(BulkJobRow, job_id)

    def start(self, job_id: int, now: datetime, *, parent_id: str | None) -> bool:
        """``preview`` -> ``running``; False when it was not waiting (one conditional UPDATE)."""
        result = self.session.execute(
            sa.update(BulkJobRow)
            .where(BulkJobRow.id == job_id, BulkJobRow.state == "preview")
            .values(state="running", started_at=now, progress_at=now, parent_id=parent_id)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def cancel(self, job_id: int) -> None:
        """A previewed job that will never run."""
        self.session.execute(
            sa.update(BulkJobRow)
            .where(BulkJobRow.id == job_id, BulkJobRow.state == "preview")
            .values(state="cancelled")
            .execution_options(synchronize_session=False)
        )

    def purge_previews(self, before: datetime) -> int:
        """Delete the jobs previewed before ``before`` and never confirmed, with their rows;
        how many jobs. (Their confirmation code expired long ago: nobody can start them.)"""
        stale = sa.select(BulkJobRow.id).where(
            BulkJobRow.state == "preview", BulkJobRow.created_at < before
        )
        self.session.execute(
            sa.delete(BulkRowRow)
            .where(BulkRowRow.job_id.in_(stale))
            .execution_options(synchronize_session=False)
        )
        result = self.session.execute(
            sa.delete(BulkJobRow)
            .where(BulkJobRow.id.in_(stale))
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def claim_running(self, claimant: claims.Claimant, now: datetime) -> BulkJobRow | None:
        """The oldest running job no live process holds, now held by ``claimant``."""
        stmt = (
            sa.select(BulkJobRow)
            .where(
                BulkJobRow.state == "running",
                claims.free(BulkJobRow, now - claimant.stale_after),
            )
            .order_by(BulkJobRow.id)
            .limit(1)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        job = self.session.scalars(stmt).first()
        if job is None:
            return None
        # Conditional on the claim seen: of two processes racing on SQLite, one wins.
        result = self.session.execute(
            sa.update(BulkJobRow)
            .where(
                BulkJobRow.id == job.id,
                BulkJobRow.claimed_by.is_(None)
                if job.claimed_by is None
                else BulkJobRow.claimed_by == job.claimed_by,
            )
            .values(claimed_by=claimant.identity, heartbeat_at=now)
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return None
        self.session.refresh(job)
        return job

    def rows(self, job_id: int, *, states: Sequence[str] | None = None) -> list[BulkRowRow]:
        """The job's rows in file order (only those in ``states`` when given)."""
        stmt = sa.select(BulkRowRow).where(BulkRowRow.job_id == job_id)
        if states is not None:
            stmt = stmt.where(BulkRowRow.state.in_(states))
        return list(self.session.scalars(stmt.order_by(BulkRowRow.row_no)))

    def settle(
        self, row_id: int, state: str, now: datetime, reason: dict[str, Any] | None = None
    ) -> bool:
        """Take a row from ``ready`` to ``state``; False when it had left ``ready`` already."""
        result = self.session.execute(
            sa.update(BulkRowRow)
            .where(BulkRowRow.id == row_id, BulkRowRow.state == READY)
            .values(state=state, done_at=now, reason=reason)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def counts(self, job_id: int) -> dict[str, int]:
        """How many of the job's rows are in each state."""
        stmt = (
            sa.select(BulkRowRow.state, sa.func.count())
            .where(BulkRowRow.job_id == job_id)
            .group_by(BulkRowRow.state)
        )
        return {state: int(n) for state, n in self.session.execute(stmt)}

    def finished_since_start(self, job_id: int) -> int:
        """Rows carried out at run time (done, failed, or refused after the preview)."""
        stmt = sa.select(sa.func.count()).where(
            BulkRowRow.job_id == job_id, BulkRowRow.done_at.is_not(None)
        )
        return int(self.session.scalar(stmt) or 0)

    def progressed(self, job_id: int, now: datetime, done: int) -> None:
        """Note that progress was posted at ``now`` with ``done`` rows finished."""
        self.session.execute(
            sa.update(BulkJobRow)
            .where(BulkJobRow.id == job_id)
            .values(progress_at=now, progress_done=done)
            .execution_options(synchronize_session=False)
        )

    def finish(self, job_id: int, now: datetime) -> bool:
        """``running`` -> ``done``; False when another process finished it first."""
        result = self.session.execute(
            sa.update(BulkJobRow)
            .where(BulkJobRow.id == job_id, BulkJobRow.state == "running")
            .values(state="done", finished_at=now, claimed_by=None, heartbeat_at=None)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
