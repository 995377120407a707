"""Running confirmed ``retry file`` jobs: bounded concurrency, progress, a result file.

A ``BulkRunner`` thread in each ``serve`` process claims a running job (storage/bulk.py, with
the claims machinery of events: a heartbeat while it works, taken over when its process dies)
and runs the job's ``ready`` rows, ``bulk_concurrency`` at a time. Exactly once: a row leaves
``ready`` in the transaction in which the provider records the retry (``within``), so after a
kill -9 the next process finds every row either carried out and settled, or untouched and
``ready``; it runs only those. Progress goes to the outbox every 10 % of the rows or every
30 seconds, whichever comes first; at the end a summary and the result CSV (row, user, new
email, outcome). Everything posted is keyed (``bulk-<job>-…``), so a resumed job never posts a
message twice either.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from pathlib import Path

from bot.bootstrap import Bot
from bot.replies import render
from commands.bulk import reason_text
from commands.bulk_views import BulkProgressView, BulkResultView
from commands.replies import Reply, ReplyFile
from i18n import t
from onboarding import csv_dialect
from onboarding.bulk import RowResult, outcome_reason, result_state
from onboarding.errors import OnboardingError
from onboarding.service import Actor
from storage import bulk as states
from storage.claims import Claimant
from storage.models import BulkJobRow, BulkRowRow
from storage.outbox import OutgoingMessage
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

#: Progress is posted after this share of the rows, or after PROGRESS_EVERY, whichever is first.
PROGRESS_SHARE = 0.10
PROGRESS_EVERY = timedelta(seconds=30)
RESULT_COLUMNS = ("row", "user", "new_email", "outcome")


class _Taken(Exception):
    """The row had left ``ready`` already (another process settled it): roll this one back."""


def run_row(bot: Bot, job: BulkJobRow, row: BulkRowRow) -> RowResult:
    """Retry one row and settle it, exactly once (see the module docstring)."""
    actor = Actor(
        email=job.person,
        via="bulk",
        space_id=job.space_id,
        correlation_id=f"bulk-{job.id}-{row.row_no}",
    )
    settled: list[bool] = []

    def within(uow: UnitOfWork) -> None:
        if not uow.bulk.settle(row.id, states.DONE, bot.clock.now()):
            raise _Taken()
        settled.append(True)

    ref = row.subscriber_id or row.ref
    try:
        outcome = bot.service.retry_activation(ref, row.email, actor, within=within, refresh=False)
    except _Taken:
        return RowResult(states.DONE)
    except Exception as exc:  # the row's end, whatever it is: one bad row never stops the job
        if not _is_domain(exc):
            log.warning("bulk job %d row %d failed: %s", job.id, row.row_no, type(exc).__name__)
        result = RowResult(result_state(exc), outcome_reason(exc))
        _settle(bot, row, result)
        return result
    if settled:
        return RowResult(states.DONE)
    # The provider stored nothing of it (a precheck that said no, or the Webex provider's
    # consent email, a remote call alone): the row is settled on its own, right after. The one
    # window left: a crash between such a consent email and this commit sends it once more on
    # resumption (harmless for the person: the same email again). The sandbox and the Webex
    # re-provisioning settle the row inside their own transaction (``within`` above).
    if outcome.ok:
        result = RowResult(states.DONE)
    else:
        failed = next((s for s in outcome.steps if not s.ok), None)
        reason = {"key": failed.key, "params": dict(failed.params)} if failed else None
        result = RowResult(states.FAILED, reason)
    _settle(bot, row, result)
    return result


def _is_domain(exc: BaseException) -> bool:
    return isinstance(exc, OnboardingError)


def _settle(bot: Bot, row: BulkRowRow, result: RowResult) -> None:
    with bot.db.uow() as uow:
        uow.bulk.settle(row.id, result.state, bot.clock.now(), _jsonable(result.reason))
        uow.commit()


def _jsonable(reason: dict[str, object] | None) -> dict[str, object] | None:
    if reason is None:
        return None
    params = reason.get("params")
    if isinstance(params, dict):
        plain = {
            k: v if isinstance(v, str | int | float | bool) else str(v) for k, v in params.items()
        }
        return {**reason, "params": plain}
    return reason


def run_job(bot: Bot, job: BulkJobRow, *, stop: threading.Event | None = None) -> bool:
    """Run the job's ready rows; True when it finished (False: stopped, the rest waits)."""
    stop = stop or threading.Event()
    with bot.db.uow() as uow:
        ready = uow.bulk.rows(job.id, states=[states.READY])
        progress = _Progress(job, uow.bulk.finished_since_start(job.id))
    if ready:
        bot.service.refresh()  # once per run, not once per row
    concurrency = max(1, bot.settings.bulk_concurrency)
    pending: set[Future[RowResult]] = set()
    todo = iter(ready)
    with ThreadPoolExecutor(concurrency, thread_name_prefix=f"onboard-bulk-{job.id}") as pool:
        while True:
            while len(pending) < concurrency and not stop.is_set():
                row = next(todo, None)
                if row is None:
                    break
                pending.add(pool.submit(run_row, bot, job, row))
            if not pending:
                break
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                progress.count(future.result())  # run_row settles every row itself
            if progress.due(bot.clock.now()):
                _post_progress(bot, job, progress)
    if stop.is_set() and next(todo, None) is not None:
        return False
    _finish(bot, job)
    return True


class _Progress:
    """Where a job stands, counted in memory as rows end (the database has the truth)."""

    def __init__(self, job: BulkJobRow, finished: int) -> None:
        self.ready = job.ready
        self.finished = finished
        self.posted = job.progress_done
        self.posted_at = job.progress_at
        self.step = max(1, round(job.ready * PROGRESS_SHARE))
        self.by_state: Counter[str] = Counter()

    def count(self, result: RowResult) -> None:
        self.finished += 1
        self.by_state[result.state] += 1

    def due(self, now: datetime) -> bool:
        """Every 10 % of the rows or every 30 s, whichever first; never for the last row."""
        if self.finished >= self.ready or self.finished == self.posted:
            return False
        late = self.posted_at is None or now - self.posted_at >= PROGRESS_EVERY
        return self.finished - self.posted >= self.step or late


def _post_progress(bot: Bot, job: BulkJobRow, progress: _Progress) -> None:
    now = bot.clock.now()
    with bot.db.uow() as uow:
        counts = uow.bulk.counts(job.id)
        ran = counts.get(states.REFUSED, 0) - (job.total - job.ready)  # refused at run time
        view = BulkProgressView(
            job.id,
            progress.finished,
            job.ready,
            counts.get(states.DONE, 0),
            counts.get(states.FAILED, 0),
            max(0, ran),
        )
        key = f"bulk-{job.id}-progress-{progress.finished}"
        _post(uow, job, Reply(view), key=key, now=now)
        uow.bulk.progressed(job.id, now, progress.finished)
        uow.commit()
    progress.posted, progress.posted_at = progress.finished, now


def _run_counts(rows: list[BulkRowRow]) -> dict[str, int]:
    counts = {states.DONE: 0, states.FAILED: 0, "refused_at_run": 0, "skipped": 0}
    for row in rows:
        if row.state == states.DONE:
            counts[states.DONE] += 1
        elif row.state == states.FAILED:
            counts[states.FAILED] += 1
        elif row.state == states.REFUSED:
            counts["refused_at_run" if row.done_at is not None else "skipped"] += 1
    return counts


def _finish(bot: Bot, job: BulkJobRow) -> None:
    now = bot.clock.now()
    with bot.db.uow() as uow:
        current = uow.bulk.job(job.id)
        if current is None or current.state != "running":
            return
        rows = uow.bulk.rows(job.id)
        counts = _run_counts(rows)
        path = result_file(bot.files_dir, current, rows)
        view = BulkResultView(
            job.id,
            path.name,
            counts[states.DONE],
            counts[states.FAILED],
            counts["refused_at_run"],
            counts["skipped"],
        )
        reply = Reply(view, file=ReplyFile(path, path.name, "text/csv"))
        _post(uow, current, reply, key=f"bulk-{job.id}-result", now=now)
        uow.bulk.finish(job.id, now)
        uow.commit()
    log.info(
        "bulk job %d finished: %d done, %d failed, %d refused",
        job.id,
        counts[states.DONE],
        counts[states.FAILED],
        counts["refused_at_run"] + counts["skipped"],
    )


def result_file(folder: Path, job: BulkJobRow, rows: list[BulkRowRow]) -> Path:
    """The result CSV: every row of the file with its outcome, in the job's language."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"onboard-retry-file-{job.id}-result.csv"
    header = csv_dialect.header("bulk", RESULT_COLUMNS, job.locale)
    with path.open("w", encoding=csv_dialect.encoding(), newline="") as out:
        writer = csv_dialect.writer(out)
        writer.writerow(header)
        for row in rows:
            outcome = t(f"bulk.outcome.{row.state}", job.locale)
            why = reason_text(None, row.reason, job.locale)
            cells = (row.row_no, row.ref, row.email, f"{outcome}: {why}" if why else outcome)
            writer.writerow([csv_dialect.safe_cell(c) for c in cells])
    return path


def _post(uow: UnitOfWork, job: BulkJobRow, reply: Reply, *, key: str, now: datetime) -> None:
    rendered = render(reply, job.locale)
    if job.space_id:
        messages = rendered.messages(room_id=job.space_id, parent_id=job.parent_id)
    else:  # asked outside a space (the command line): to the person
        messages = [
            OutgoingMessage(
                to_person_email=job.person, markdown=rendered.markdown, card=rendered.card
            )
        ]
        if rendered.file_path is not None:
            messages.append(
                OutgoingMessage(to_person_email=job.person, file_path=str(rendered.file_path))
            )
    for index, message in enumerate(messages):
        uow.outbox.enqueue(message, dedupe_key=f"{key}:{index}", now=now, correlation_id=key[:64])


def run_due_jobs(bot: Bot, claimant: Claimant, *, stop: threading.Event | None = None) -> int:
    """Claim and run running jobs until none is left; how many were finished."""
    finished = 0
    while stop is None or not stop.is_set():
        with bot.db.uow() as uow:
            job = uow.bulk.claim_running(claimant, bot.clock.now())
            uow.commit()
        if job is None:
            break
        with claimant.held.holding(BulkJobRow, job.id):
            if run_job(bot, job, stop=stop):
                finished += 1
    return finished


class BulkRunner:
    """A ``serve`` service: a thread that runs confirmed bulk jobs (polls every ``every`` s)."""

    def __init__(
        self,
        bot: Bot,
        claimant: Claimant,
        *,
        every: float = 1.0,
    ) -> None:
        self.bot = bot
        self.claimant = claimant
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Begin polling for running jobs."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="onboard-bulk", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the rows in flight; the rest waits in the database for the next run."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10.0)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                run_due_jobs(self.bot, self.claimant, stop=self._stop)
            except Exception:  # a database hiccup: the job's claim goes stale and is taken again
                log.exception("bulk retry run failed")
            self._stop.wait(self.every)
