"""``watch``: alerts in a space when users newly enter error or cross a stuck line (issue 14.3).

Through the chat fixture over the sandbox: admins start, list and stop watches; users the
sandbox moves into error are posted by the next check, several in one message with their error
texts, each once, and a second process checking at the same time posts nothing more. A new
``watch stuck`` is quiet about who is stuck already and posts who crosses the line later.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.bootstrap import Bot
from bot.watch_jobs import check_watches
from commands.history_views import WatchListView
from onboarding.clock import ManualClock
from onboarding.model import ProvisioningStatus
from onboarding.providers.sandbox import TAKEN_DOMAIN
from storage.models import OutboxRow, SubscriberRow
from storage.uow import Database
from tests.support.chat import ACCESS, SPACE, VIEWER, Chat
from tests.support.chat import chat_bot as build_chat_bot

STEP = timedelta(hours=1)  # the chat bot's sandbox step
EMAIL_TAKEN_TEXT = "already associated with an existing user in another organization"


def _outbox(bot: Bot) -> list[OutboxRow]:
    with bot.db.uow() as uow:
        stmt = sa.select(OutboxRow).where(OutboxRow.dedupe_key.like("watch:%"))
        return list(uow.session.scalars(stmt.order_by(OutboxRow.id)))


def _retryable(bot: Bot, n: int, customer: str | None = None) -> list[SubscriberRow]:
    with bot.db.uow() as uow:
        stmt = sa.select(SubscriberRow).where(
            SubscriberRow.status == ProvisioningStatus.ERROR.value
        )
        if customer:
            stmt = stmt.where(SubscriberRow.customer_id == customer)
        return list(uow.session.scalars(stmt.order_by(SubscriberRow.id).limit(n)))


def _fail(chat: Chat, subs: list[SubscriberRow]) -> None:
    """Retry each with an email the sandbox fails (already taken): they re-enter error later."""
    for i, sub in enumerate(subs):
        assert chat.say(f"retry {sub.user_id} user{i}@{TAKEN_DOMAIN}").ok


def test_admins_start_list_and_stop_watches_in_both_languages(chat: Chat) -> None:
    said = chat.say("watch errors")
    assert said.ok and isinstance(said.view, WatchListView) and said.view.saved is not None
    assert "Watch **#1** on: new errors, every customer." in said.markdown
    assert "Hlídání **#1** zapnuto: nové chyby, všichni zákazníci." in said.markdown_in("cs")
    assert chat.say("watch errors customer acme-cz").ok
    assert chat.say("watch stuck").ok
    again = chat.say("watch errors")
    assert not again.ok and "already has that watch (**#1**)" in again.markdown
    listed = chat.say("watch")
    assert "new errors of acme-cz" in listed.markdown and "stuck line" in listed.markdown
    refused = chat.say("watch errors", who=VIEWER)
    assert not refused.ok and "watch" in refused.markdown and "admin" in refused.markdown.lower()
    bad = chat.say("watch errors for everyone")
    assert not bad.ok and "Not understood: for everyone" in bad.markdown
    assert not chat.say("watch errors customer no-such-customer").ok
    off = chat.say("watch off")
    assert off.ok and "Watches turned off: 3." in off.markdown
    assert "None. `watch errors`" in chat.say("watch").markdown
    assert not chat.say("watch errors", space=None, direct=True).ok


@pytest.mark.parametrize("space_role", ["support", None])
def test_new_errors_are_posted_once_grouped_with_their_texts(
    database: Database, clock: ManualClock, tmp_path: Path, space_role: str | None
) -> None:
    # Error texts only where every reader may run `error` (a support space), else codes only.
    spaces = {SPACE: space_role} if space_role else {}
    bot = build_chat_bot(
        database, clock, tmp_path, access=ACCESS.model_copy(update={"spaces": spaces})
    )
    chat = Chat(bot)
    assert chat.say("watch errors").ok
    assert check_watches(chat.bot) == 0  # the errors from before the watch are not news
    subs = _retryable(chat.bot, 2)
    _fail(chat, subs)
    clock.advance(STEP * 10)  # validation, provisioning, then error
    assert check_watches(chat.bot) == 1
    [alert] = _outbox(chat.bot)
    assert alert.room_id == SPACE and alert.card is not None
    md = alert.markdown or ""
    assert "New in error: 2" in md and md.count(EMAIL_TAKEN_TEXT) == (2 if space_role else 0)
    assert ("`error <user>`." in md) is (space_role is None)
    assert str(alert.card).count(EMAIL_TAKEN_TEXT) == (2 if space_role else 0)
    assert all(s.user_id in md for s in subs)
    assert check_watches(chat.bot) == 0  # nothing new: nothing posted again
    assert len(_outbox(chat.bot)) == 1


def test_a_customer_watch_posts_only_its_customer(chat: Chat, clock: ManualClock) -> None:
    [one] = _retryable(chat.bot, 1)
    others = [s for s in _retryable(chat.bot, 50) if s.customer_id != one.customer_id][:1]
    assert chat.say(f"watch errors customer {one.customer_id}").ok
    _fail(chat, [one, *others])
    clock.advance(STEP * 10)
    assert check_watches(chat.bot) == 1
    [alert] = _outbox(chat.bot)
    md = alert.markdown or ""
    assert one.user_id in md and all(o.user_id not in md for o in others)


def test_two_processes_checking_at_once_post_one_alert(
    database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    first = build_chat_bot(database, clock, tmp_path / "a")
    second = build_chat_bot(Database(database.engine), clock, tmp_path / "b")
    chat = Chat(first)
    assert chat.say("watch errors").ok
    _fail(chat, _retryable(first, 3))
    clock.advance(STEP * 10)
    assert check_watches(first) + check_watches(second) == 1
    assert len(_outbox(first)) == 1


def test_watch_stuck_posts_who_crosses_the_line_later(chat: Chat, clock: ManualClock) -> None:
    def stuck_now() -> set[tuple[str, str]]:
        users = chat.say("stuck").view.users  # type: ignore[union-attr]
        return {(s.user.email, s.reason.value) for s in users}

    before = stuck_now()
    assert chat.say("watch stuck").ok
    assert check_watches(chat.bot) == 0  # stuck already when the watch began: not news
    clock.advance(timedelta(days=30))  # every Not verified user is now over the line
    assert check_watches(chat.bot) == 1
    [alert] = _outbox(chat.bot)
    md = alert.markdown or ""
    crossed = stuck_now() - before
    assert crossed and f"Newly stuck in Control Hub: {len(crossed)}" in md
    assert all(email in md for email, _ in crossed)
    still = {email for email, _ in before} - {email for email, _ in crossed}
    assert all(email not in md for email in still)  # over the same line already: not news
    assert check_watches(chat.bot) == 0


def test_watch_off_stops_the_alerts(chat: Chat, clock: ManualClock) -> None:
    assert chat.say("watch errors").ok
    assert chat.say("watch off").ok
    _fail(chat, _retryable(chat.bot, 1))
    clock.advance(STEP * 10)
    assert check_watches(chat.bot) == 0 and _outbox(chat.bot) == []


def test_the_alert_in_czech(sqlite_database: Database, clock: ManualClock, tmp_path: Path) -> None:
    bot = build_chat_bot(sqlite_database, clock, tmp_path, locale="cs")
    chat = Chat(bot)
    assert chat.say("watch errors").ok
    _fail(chat, _retryable(bot, 1))
    clock.advance(STEP * 10)
    assert check_watches(bot) == 1
    [alert] = _outbox(bot)
    assert "Nově v chybě: 1" in (alert.markdown or "")
    # An unconfigured space: its readers' roles are not known, so no error text, and the hint.
    assert "Texty chyb se v tomto prostoru neukazují" in (alert.markdown or "")
    assert EMAIL_TAKEN_TEXT not in (alert.markdown or "")


def test_two_processes_checking_at_the_same_moment_post_once(
    database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    """Both checks run at once (threads, a barrier between them): one claims, one posts."""
    if database.is_sqlite:
        pytest.skip("SQLite has one writer; the race is PostgreSQL's (both insert the same keys)")
    import threading

    bots = [
        build_chat_bot(Database(database.engine), clock, tmp_path / name) for name in ("a", "b")
    ]
    chat = Chat(bots[0])
    assert chat.say("watch errors").ok
    _fail(chat, _retryable(bots[0], 3))
    clock.advance(STEP * 10)
    bots[0].service.refresh()  # the sync has run: both checks see the same new errors
    barrier = threading.Barrier(2)
    posted: list[int] = []

    def check(bot: Bot) -> None:
        barrier.wait()
        posted.append(check_watches(bot))

    threads = [threading.Thread(target=check, args=(b,)) for b in bots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(posted) == [0, 1]
    [alert] = _outbox(bots[0])
    assert "New in error: 3" in (alert.markdown or "")
