"""``retry file``: retry activation of many users from an attached CSV, after a preview.

The message carries the file (Webex: one file per message; the console: an upload). Every row is
checked as single retry checks it (``onboarding.bulk``); the answer is a preview card with the
rows ready and the rows refused, each with its reason, the full list of refusals as a CSV file
beside it, and Confirm / Cancel (a single-use confirmation bound to the asker, as for
``delete``). On confirm the job runs in the background (``bot/bulk_jobs.py``), posting progress
and, at the end, a result file in the thread.
"""

from __future__ import annotations

from pathlib import Path

from commands.bulk_views import BulkPreviewView, BulkStartedView
from commands.confirming import KEEP_EXPIRED, request_confirmation
from commands.context import CommandContext
from commands.parsing import Args
from commands.registry import Role, command
from commands.replies import Reply, ReplyFile
from commands.views import ConfirmAction, ConfirmView
from i18n import t
from onboarding import csv_dialect
from onboarding.bulk import Checked, check, read_upload
from onboarding.errors import InvalidInput, Refused
from storage.models import BulkJobRow

#: Refused rows listed in the card itself; the file has them all.
CARD_ROWS = 10
REFUSALS_COLUMNS = ("row", "user", "new_email", "reason")


@command(
    "retry file",
    aliases=("onboard file",),
    role=Role.ADMIN,
    examples=("retry file",),
)
def retry_file(ctx: CommandContext, args: Args) -> Reply:
    """Retry activation of every user in the attached CSV (user → new email), after a preview."""
    if not ctx.files:
        raise InvalidInput("bulk.no_file")
    if ctx.fetch_file is None:
        raise InvalidInput("bulk.no_files_here")
    upload = ctx.fetch_file(ctx.files[0])
    lines = read_upload(upload)
    ctx.service.refresh()  # once for the whole file: every row is checked against fresh data
    preview = check(ctx.uow, lines)
    now = ctx.clock.now()
    # Housekeeping on the way, as for confirmation codes: a preview nobody confirmed can no
    # longer be started once its code has expired, and is dropped when the code is.
    ctx.uow.bulk.purge_previews(now - ctx.confirmation_ttl - KEEP_EXPIRED)
    job = ctx.uow.bulk.add_job(
        BulkJobRow(
            person=ctx.actor.email,
            space_id=ctx.actor.space_id,
            parent_id=ctx.thread_id,
            locale=ctx.locale,
            file_name=upload.name[:300],
            state="preview",
            total=len(preview.rows),
            ready=len(preview.ready),
            created_at=now,
            progress_done=0,
            correlation_id=ctx.actor.correlation_id,
        ),
        [row.as_row() for row in preview.rows],
    )
    refused = preview.refused
    file = _refusals_file(ctx, job.id, refused) if refused else None
    code = expires = None
    if preview.ready:
        asked = request_confirmation(
            ctx,
            ConfirmAction.BULK_RETRY,
            str(job.id),
            display=upload.name,
            count=len(preview.ready),
        )
        assert isinstance(asked.view, ConfirmView)
        code, expires = asked.view.code, asked.view.expires_at
    else:
        ctx.uow.bulk.cancel(job.id)  # nothing to run: the job never waits for a confirm
    view = BulkPreviewView(
        file_name=upload.name,
        total=len(preview.rows),
        ready=len(preview.ready),
        refused=refused[:CARD_ROWS],
        refused_total=len(refused),
        code=code,
        expires_at=expires,
    )
    return Reply(view, ok=bool(preview.ready), file=file)


def start(ctx: CommandContext, target: str, params: dict[str, object]) -> Reply:
    """Confirmed: the previewed job runs from now on (in the background, any process)."""
    job_id = int(target)
    if not ctx.uow.bulk.start(job_id, ctx.clock.now(), parent_id=ctx.thread_id):
        raise Refused("bulk.not_waiting", job=job_id)
    job = ctx.uow.bulk.job(job_id)
    ready = job.ready if job is not None else 0
    return Reply(BulkStartedView(job_id, ready, max(1, min(ctx.bulk_concurrency, ready))))


def cancelled(ctx: CommandContext, target: str) -> None:
    """Cancelled: the previewed job will never run."""
    ctx.uow.bulk.cancel(int(target))


def reason_text(row: Checked | None, reason: dict[str, object] | None, locale: str) -> str:
    """A row's reason worded for a person, in ``locale`` (the catalog's words for the error)."""
    if reason is None and row is not None:
        reason = row.reason
    if not reason:
        return ""
    params = reason.get("params")
    return t(str(reason.get("key")), locale, **(params if isinstance(params, dict) else {}))


def _refusals_file(ctx: CommandContext, job_id: int, refused: tuple[Checked, ...]) -> ReplyFile:
    """Every refused row with its reason, as a CSV for the person's spreadsheet."""
    ctx.files_dir.mkdir(parents=True, exist_ok=True)
    path = _free_path(ctx.files_dir, f"onboard-retry-file-{job_id}-refused")
    header = csv_dialect.header("bulk", REFUSALS_COLUMNS, ctx.locale)
    with path.open("w", encoding=csv_dialect.encoding(), newline="") as out:
        writer = csv_dialect.writer(out)
        writer.writerow(header)
        for row in refused:
            reason = reason_text(row, None, ctx.locale)
            cells = (row.row_no, row.ref, row.email, reason)
            writer.writerow([csv_dialect.safe_cell(c) for c in cells])
    return ReplyFile(path, path.name, "text/csv")


def _free_path(folder: Path, stem: str) -> Path:
    path = folder / f"{stem}.csv"
    n = 2
    while path.exists():
        path = folder / f"{stem}-{n}.csv"
        n += 1
    return path
