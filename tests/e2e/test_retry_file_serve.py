"""``retry file`` in a real ``serve`` killed with -9 half-way: the restart finishes, each row once.

The Webex stand-in runs in this process (it outlives the bot). An admin attaches a 1,000-row CSV
(950 retryable users, 50 rows refused) in a group space, presses Confirm on the preview card, and
the bot is killed with SIGKILL while the retries run. A second process under the same instance
name takes the job back at once; in the end every ready row was retried exactly once (one audit
entry, one status change each), progress and the result file arrived in the thread.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
import sqlalchemy as sa

from bot.local.emulator_model import Content, webex_id
from onboarding.clock import SystemClock
from onboarding.demo_data import ensure_demo_data
from storage.models import AuditEntryRow, BulkRowRow, StatusTransitionRow
from storage.uow import Database
from tests.integration.test_retry_file import add_failed_users
from tests.support.emulator import ADMIN_EMAIL, BOT_EMAIL
from tests.support.engine import BotProcess

pytestmark = pytest.mark.slow


def _wait(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _done(db: Database) -> int:
    with db.uow() as uow:
        stmt = sa.select(sa.func.count()).where(BulkRowRow.state == "done")
        return int(uow.session.scalar(stmt) or 0)


def test_kill_9_half_way_then_restart_retries_each_row_once(webex, tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    db = Database.from_url(url)
    db.upgrade()
    clock = SystemClock()
    ensure_demo_data(db, clock)
    users = add_failed_users(db, 950, clock)  # type: ignore[arg-type]
    rows = [f"{u};new.{n}@bulk-new.example" for n, u in enumerate(users)]
    rows += [f"nobody{n}@voip.nowhere.example;x{n}@bulk-new.example" for n in range(50)]
    data = ("user;new email\r\n" + "\r\n".join(rows)).encode()

    first = BotProcess(webex, tmp_path / "run1", database_url=url, instance="bulk")
    processes = [first.start()]
    try:
        room = webex.group_room("Bulk ops")
        upload = Content(webex_id("CONTENT"), data, "text/csv", "users.csv")
        asked = webex.emulator.send_as(ADMIN_EMAIL, room["id"], "retry file", upload=upload)

        def preview() -> dict[str, Any] | None:
            for reply in webex.emulator.replies_to(asked["id"]):
                if reply.get("attachments"):
                    return reply
            return None

        card_message = _wait(preview, 60, "the preview card")
        card = card_message["attachments"][0]["content"]
        assert "950" in card_message["markdown"] and "50" in card_message["markdown"]
        confirm = next(a for a in card["actions"] if a["data"]["action"] == "confirm")
        webex.emulator.click(ADMIN_EMAIL, card_message["id"], confirm["data"])

        _wait(lambda: _done(db) >= 400, 60, "the first half of the retries")
        first.kill()
        halfway = _done(db)
        assert halfway < 950, "the job was over before the kill"

        second = BotProcess(webex, tmp_path / "run2", database_url=url, instance="bulk")
        processes.append(second.start())

        def result() -> dict[str, Any] | None:
            for reply in webex.emulator.replies_to(asked["id"]):
                if reply.get("files") and reply["personEmail"] == BOT_EMAIL:
                    name = webex.emulator.content(
                        reply["files"][0].rsplit("/", 1)[-1], person_email=ADMIN_EMAIL
                    ).filename
                    if "result" in name:
                        return reply
            return None

        finished = _wait(result, 90, "the result file")
    finally:
        for process in processes:
            process.stop()

    with db.uow() as uow:
        counts = dict(
            uow.session.execute(
                sa.select(BulkRowRow.state, sa.func.count()).group_by(BulkRowRow.state)
            ).all()
        )
        retries = list(
            uow.session.scalars(
                sa.select(AuditEntryRow.correlation_id).where(
                    AuditEntryRow.action == "service.retry"
                )
            )
        )
        moved = list(
            uow.session.scalars(
                sa.select(StatusTransitionRow.user_id).where(
                    StatusTransitionRow.to_status == "pending_email_validation",
                    StatusTransitionRow.user_id.like("%@voip.bulk.example"),
                )
            )
        )
    assert counts == {"done": 950, "refused": 50}
    assert len(moved) == len(set(moved)) == 950  # each user moved exactly once
    # The audit entry commits with the retry and the row's state: one each, none missing.
    assert len(set(retries)) == len(retries) == 950
    replies = webex.emulator.replies_to(asked["id"])
    progress = [r for r in replies if "⏳" in (r.get("markdown") or "")]
    assert progress, "no progress was posted"
    text = webex.emulator.content(
        finished["files"][0].rsplit("/", 1)[-1], person_email=ADMIN_EMAIL
    ).data.decode("utf-8-sig")
    assert len(text.strip().splitlines()) == 1001 and text.count(",retried") == 950
    print(f"kill -9 after {halfway} of 950 rows; {len(progress)} progress messages")
