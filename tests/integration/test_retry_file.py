"""``retry file`` (issue 14, point 3): a CSV attached to a message, a preview, then the retries.

Through the ``chat`` fixture over the sandbox (and once with the Webex provider against the
BroadWorks stand-in): the preview names each refused row's reason in the asker's language, the
confirm is single-use and for admins, the run retries every ready row exactly once with progress
and a result file in the outbox, and files that are too big, too long or not CSV are refused.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.bootstrap import Bot, build_bot
from bot.bulk_jobs import run_due_jobs
from bot.local.admin_api import AdminApiServer, AdminApiState
from bot.settings import Settings
from commands.bulk_views import BulkPreviewView
from onboarding.bulk import MAX_ROWS, Upload
from onboarding.clock import ManualClock
from storage.claims import Claimant
from storage.models import (
    AuditEntryRow,
    BulkRowRow,
    OutboxRow,
    StatusTransitionRow,
    SubscriberRow,
)
from storage.uow import Database
from tests.integration import test_webex_provider as contract
from tests.support.chat import ACCESS, ADMIN2, SUPPORT, Chat

CUSTOMER = "acme-cz"  # a demo customer
NEW_DOMAIN = "bulk-new.example"


def add_failed_users(db: Database, count: int, clock: ManualClock) -> list[str]:
    """``count`` subscribers in error (retryable), with BroadWorks user IDs of their own."""
    now = clock.now() - timedelta(days=1)
    rows = [
        {
            "id": f"bulk-sub-{n:05d}",
            "user_id": f"42077{n:07d}@voip.bulk.example",
            "email": f"old.{n}@bulk-old.example",
            "first_name": "Bulk",
            "last_name": f"User {n}",
            "customer_id": CUSTOMER,
            "package": "standard",
            "status": "error",
            "errors": [{"code": 10061, "description": "Email rejected"}],
            "created": now,
            "last_status_change": now,
            "provisioning_id": None,
            "person_id": None,
            "self_activated": False,
        }
        for n in range(count)
    ]
    with db.uow() as uow:
        uow.session.execute(sa.insert(SubscriberRow), rows)
        uow.commit()
    return [r["user_id"] for r in rows]


def csv_file(rows: list[tuple[str, str]], *, sep: str = ";", header: bool = True) -> Upload:
    """A CSV as a Czech Excel saves it (``;``, a byte-order mark) unless told otherwise."""
    lines = ([f"user{sep}new email"] if header else []) + [f"{a}{sep}{b}" for a, b in rows]
    data = ("\ufeff" + "\r\n".join(lines)).encode("utf-8")
    return Upload("users.csv", "text/csv", data)


def demo(bot: Bot, status: str) -> SubscriberRow:
    with bot.db.uow() as uow:
        stmt = sa.select(SubscriberRow).where(SubscriberRow.status == status)
        return uow.session.scalars(stmt.order_by(SubscriberRow.id)).first()  # type: ignore[return-value]


def run(bot: Bot) -> int:
    return run_due_jobs(bot, Claimant("test#1"))


def outbox(bot: Bot) -> list[OutboxRow]:
    with bot.db.uow() as uow:
        return list(uow.session.scalars(sa.select(OutboxRow).order_by(OutboxRow.id)))


def rows_of(path: str) -> list[list[str]]:
    text = Path(path).read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def users(chat: Chat, clock: ManualClock) -> list[str]:
    return add_failed_users(chat.bot.db, 1000, clock)


def _file_with_50_bad_rows(chat: Chat, users: list[str]) -> tuple[Upload, dict[str, int]]:
    """950 good rows and 50 bad ones of six kinds, mixed through the file."""
    good = [(users[n], f"new.{n}@{NEW_DOMAIN}") for n in range(950)]
    spare = users[950:]  # retryable users the bad rows are about
    provisioned = demo(chat.bot, "provisioned")
    holder = demo(chat.bot, "error")  # someone else's email is never handed over
    bad: list[tuple[str, str]] = []
    kinds: dict[str, int] = {}
    bad += [(spare[n], f"broken{n}.{NEW_DOMAIN}") for n in range(10)]  # no @
    kinds["email.missing_at"] = 10
    bad += [(spare[10 + n], f"two@@{NEW_DOMAIN}") for n in range(5)]
    kinds["email.many_at"] = 5
    bad += [(f"nobody{n}@voip.nowhere.example", f"x{n}@{NEW_DOMAIN}") for n in range(10)]
    kinds["bulk.row.not_found"] = 10
    bad += [(users[n], f"again.{n}@{NEW_DOMAIN}") for n in range(10)]  # a user twice
    kinds["bulk.row.same_user"] = 10
    bad += [(spare[15 + n], f"new.{n}@{NEW_DOMAIN}") for n in range(10)]  # an email twice
    kinds["bulk.row.same_email"] = 10
    bad += [(provisioned.user_id, f"p@{NEW_DOMAIN}")]
    kinds["retry.already_provisioned"] = 1
    bad += [(spare[25 + n], str(holder.email)) for n in range(4)]
    kinds["retry.email_in_use.subscriber"] = 4
    assert len(bad) == 50
    mixed: list[tuple[str, str]] = []
    for n, row in enumerate(good):
        mixed.append(row)
        if n % 19 == 18 and bad:
            mixed.append(bad.pop(0))
    mixed += bad
    return csv_file(mixed), kinds


def test_a_thousand_rows_with_fifty_bad_ones_preview_then_run_each_once(
    chat: Chat, users: list[str]
) -> None:
    upload, kinds = _file_with_50_bad_rows(chat, users)
    said = chat.say("retry file", file=upload)
    assert said.ok, said.markdown
    view = said.view
    assert isinstance(view, BulkPreviewView)
    assert (view.total, view.ready, view.refused_total) == (1000, 950, 50)
    assert "✅ **950** users are ready to retry." in said.markdown
    assert "⛔ **50** rows are refused" in said.markdown
    assert "has no @" in said.markdown or "@" in said.markdown
    assert "✅ **950** uživatelů je připraveno k opakování." in said.markdown_in("cs")
    # The card: the first refused rows with their reasons, Confirm / Cancel.
    card = said.card
    assert card is not None
    assert [a["data"]["action"] for a in card["actions"]] == ["confirm", "cancel"]
    # The full list of refusals as a CSV, each with the reason in the asker's words.
    assert said.file is not None
    refused = rows_of(str(said.file.path))
    assert refused[0] == ["Row", "User", "New email", "Reason"] and len(refused) == 51
    with chat.bot.db.uow() as uow:
        stored = uow.bulk.rows(1, states=["refused"])
    assert Counter(str((r.reason or {})["key"]) for r in stored) == kinds
    assert any("twice" in r[3] for r in refused) and any("No user matches" in r[3] for r in refused)

    # Single-use and for admins: support may not, someone else's code is refused.
    code = view.code
    assert code is not None
    assert not chat.click("confirm", {"code": code}, who=SUPPORT).ok
    assert not chat.click("confirm", {"code": code}, who=ADMIN2).ok
    started = chat.click("confirm", {"code": code}, thread="msg-parent")
    assert started.ok and "Retrying 950 users, 4 at a time" in started.markdown
    assert not chat.click("confirm", {"code": code}).ok  # used

    assert run(chat.bot) == 1
    with chat.bot.db.uow() as uow:
        counts = uow.bulk.counts(1)
    assert counts == {"done": 950, "refused": 50}
    retries = chat.audit(
        AuditEntryRow.action == "service.retry", AuditEntryRow.correlation_id.like("bulk-1-%")
    )
    assert len(retries) == 950 and all(e.result == "ok" for e in retries)
    assert len({e.correlation_id for e in retries}) == 950  # each row exactly once
    with chat.bot.db.uow() as uow:
        moved = uow.session.scalars(
            sa.select(StatusTransitionRow.user_id).where(
                StatusTransitionRow.to_status == "pending_email_validation",
                StatusTransitionRow.user_id.like("%@voip.bulk.example"),
            )
        ).all()
    assert len(moved) == len(set(moved)) == 950
    with chat.bot.db.uow() as uow:  # each change points at its audit entry, written with it
        unlinked = uow.session.scalar(
            sa.select(sa.func.count()).where(
                StatusTransitionRow.user_id.like("%@voip.bulk.example"),
                StatusTransitionRow.audit_id.is_(None),
            )
        )
    assert unlinked == 0

    posted = outbox(chat.bot)
    progress = [o for o in posted if "progress" in o.dedupe_key]
    assert 9 <= len(progress) <= 12, [o.markdown for o in progress]  # every 10 %
    assert all(o.parent_id == "msg-parent" and o.room_id == chat.space for o in posted)
    result = [o for o in posted if "result" in o.dedupe_key]
    assert "**950** users retried" in (result[0].markdown or "")
    assert result[1].file_path is not None
    lines = rows_of(result[1].file_path)
    assert lines[0] == ["Row", "User", "New email", "Outcome"] and len(lines) == 1001
    assert Counter(r[3].split(":")[0] for r in lines[1:]) == {"retried": 950, "refused": 50}

    # Run again (a second process, a restart): nothing is retried twice, nothing posted twice.
    assert run(chat.bot) == 0
    assert len(outbox(chat.bot)) == len(posted)


def test_a_row_already_settled_is_never_run_again(chat: Chat, users: list[str]) -> None:
    """What a restart finds: some rows done (committed with their retry), the rest ready."""
    upload = csv_file([(users[n], f"n{n}@{NEW_DOMAIN}") for n in range(20)], sep=",")
    code = chat.say("retry file", file=upload).view.code  # type: ignore[attr-defined]
    chat.click("confirm", {"code": code})
    with chat.bot.db.uow() as uow:
        first = uow.bulk.rows(1)[:7]
    job = chat.bot.db.uow()
    with job as uow:
        job_row = uow.bulk.job(1)
    assert job_row is not None
    from bot.bulk_jobs import run_row

    for row in first:  # as a process that died after seven rows left them
        run_row(chat.bot, job_row, row)
    assert run(chat.bot) == 1
    retries = chat.audit(AuditEntryRow.action == "service.retry")
    assert len(retries) == 20 and len({e.correlation_id for e in retries}) == 20


def test_czech_in_czech_with_commas_and_no_header(chat: Chat, users: list[str]) -> None:
    chat.say("jazyk čeština")
    upload = csv_file(
        [(users[0], f"a@{NEW_DOMAIN}"), (users[1], f"bad@{NEW_DOMAIN}@x")], sep=",", header=False
    )
    said = chat.say("opakovat soubor", file=upload)
    assert said.ok, said.markdown
    assert said.locale == "cs"
    assert "zkontrolovány 2 řádky" in said.markdown
    assert "✅ **1** uživatel je připraven k opakování." in said.markdown
    assert "Řádek 2" in said.markdown
    assert said.card is not None and said.card["actions"][0]["title"] == "Potvrdit"
    cancelled = chat.click("cancel", {"code": said.view.code})  # type: ignore[attr-defined]
    assert cancelled.ok
    assert run(chat.bot) == 0  # a cancelled job never runs
    with chat.bot.db.uow() as uow:
        job = uow.bulk.job(1)
    assert job is not None and job.state == "cancelled"


def test_files_that_cannot_be_taken_are_refused_plainly(chat: Chat, users: list[str]) -> None:
    too_long = csv_file([(users[n % 1000], f"n{n}@{NEW_DOMAIN}") for n in range(MAX_ROWS + 1)])
    said = chat.say("retry file", file=too_long)
    assert not said.ok
    assert "The file has 5,001 rows; `retry file` takes at most 5,000 rows" in said.markdown
    assert "Soubor má 5 001 řádků" in said.markdown_in("cs")
    huge = Upload("users.csv", "text/csv", b"a;b@c.example\n" * 200_000)
    assert "may be at most 2000 kB" in chat.say("retry file", file=huge).markdown
    png = Upload("chart.png", "image/png", b"\x89PNG\r\n\x1a\n\x00\x00")
    assert "chart.png is not a CSV file" in chat.say("retry file", file=png).markdown
    latin = Upload("users.csv", "text/csv", "Veselá;x@y.example".encode("cp1250"))
    assert "is not a CSV file" in chat.say("retry file", file=latin).markdown
    assert "Attach the CSV" in chat.say("retry file").markdown
    viewer = chat.say("retry file", who=SUPPORT, file=csv_file([(users[0], "a@b.example")]))
    assert not viewer.ok and viewer.result in ("forbidden", "denied", "refused", "error")
    with chat.bot.db.uow() as uow:
        assert uow.session.scalar(sa.select(sa.func.count()).select_from(BulkRowRow)) == 0


# --- the Webex provider against the BroadWorks stand-in ---------------------------------------


@pytest.fixture
def webex_bot(
    database: Any, clock: ManualClock, server: AdminApiServer, sleeps: list[float], tmp_path: Path
) -> Bot:
    provider = contract.make_provider(database, clock, server, sleeps)
    settings = Settings(access=ACCESS, files_dir=tmp_path / "files", commands_per_minute=1000)
    return build_bot(settings, db=database, clock=clock, provider=provider, migrate=False)


admin = contract.admin
server = contract.server
sleeps = contract.sleeps


def test_over_webex_the_rows_are_reprovisioned_once(webex_bot: Bot, admin: AdminApiState) -> None:
    chat = Chat(webex_bot)
    failed = [s for s in admin.subscribers.values() if s["status"] == "error"][:3]
    upload = csv_file([(s["userId"], f"w{n}@{NEW_DOMAIN}") for n, s in enumerate(failed)])
    said = chat.say("retry file", file=upload)
    assert said.ok, said.markdown
    assert said.view.ready == len(failed)  # type: ignore[attr-defined]
    chat.click("confirm", {"code": said.view.code})  # type: ignore[attr-defined]
    assert run(webex_bot) == 1
    with webex_bot.db.uow() as uow:
        assert uow.bulk.counts(1) == {"done": len(failed)}
    # Webex has them under the new emails (the stand-in's records), once each.
    held = [str(v) for s in admin.subscribers.values() for v in s.values() if NEW_DOMAIN in str(v)]
    assert sorted(held) == sorted(f"w{n}@{NEW_DOMAIN}" for n in range(len(failed)))
    assert run(webex_bot) == 0


def test_progress_every_ten_per_cent_or_thirty_seconds_whichever_first(clock: ManualClock) -> None:
    from bot.bulk_jobs import _Progress
    from onboarding.bulk import RowResult
    from storage.models import BulkJobRow

    job = BulkJobRow(ready=1000, progress_done=0, progress_at=clock.now())
    progress = _Progress(job, finished=0)
    for _ in range(99):
        progress.count(RowResult("done"))
    assert not progress.due(clock.now())  # 9.9 %, 0 s
    assert progress.due(clock.now() + timedelta(seconds=30))  # 30 s came first
    progress.count(RowResult("done"))
    assert progress.due(clock.now())  # 10 %
    progress.posted, progress.posted_at = 100, clock.now()
    assert not progress.due(clock.now() + timedelta(seconds=29))
    progress.finished = 1000
    assert not progress.due(clock.now() + timedelta(hours=1))  # the result says it all


def test_a_preview_nobody_confirmed_goes_with_its_expired_code(
    chat: Chat, users: list[str], clock: ManualClock
) -> None:
    """Previews used to stay forever; one whose code expired a week ago is dropped (with its
    rows) at the next upload, a confirmed one and a fresh one stay."""
    previews = []
    for n in range(3):
        if n == 2:
            clock.advance(timedelta(days=8))
        upload = csv_file([(users[n], f"new.{n}@{NEW_DOMAIN}")])
        said = chat.say("retry file", file=upload)
        assert said.ok and isinstance(said.view, BulkPreviewView), said.markdown
        previews.append(said.view)
        if n == 1:
            assert chat.click("confirm", {"code": said.view.code}).ok
    with chat.bot.db.uow() as uow:  # jobs 1 (forgotten), 2 (confirmed), 3 (fresh)
        assert uow.bulk.job(1) is None and uow.bulk.rows(1) == []
        assert uow.bulk.job(2) is not None and uow.bulk.job(3) is not None
        assert len(uow.bulk.rows(3)) == 1
