"""The views of ``retry file``: the preview with its Confirm / Cancel, progress, and the result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from onboarding.bulk import Checked


@dataclass(frozen=True, slots=True)
class BulkPreviewView:
    """What the file came to: rows ready, rows refused (the first ones, each with its reason).

    ``code`` is the single-use confirmation (None when no row is ready: nothing to confirm).
    """

    file_name: str
    total: int
    ready: int
    refused: tuple[Checked, ...]  # the first refused rows, in file order
    refused_total: int
    code: str | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class BulkStartedView:
    """The confirmed job is under way; progress follows in the thread."""

    job_id: int
    ready: int
    concurrency: int


@dataclass(frozen=True, slots=True)
class BulkProgressView:
    """How far a running job is (posted every 10 % or 30 s)."""

    job_id: int
    finished: int
    ready: int
    done: int
    failed: int
    refused: int


@dataclass(frozen=True, slots=True)
class BulkResultView:
    """The job's end: how many rows were done, failed, refused; the result file goes with it."""

    job_id: int
    file_name: str
    done: int
    failed: int
    refused: int
    skipped: int  # refused at preview, never run
