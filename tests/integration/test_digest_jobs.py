"""Digest jobs on both backends: exactly once per firing, grace, baselines, quiet, app.yaml sync."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.bootstrap import Bot, build_bot
from bot.jobs import (
    Outcome,
    dedupe_key,
    fire_digest,
    fire_due_digest,
    run_digest,
    sync_configured_digests,
)
from bot.settings import ConfigError, DigestSettings, Settings
from onboarding.clock import ManualClock
from onboarding.digest import Content, Source, add_digest
from onboarding.model import ProvisioningStatus
from onboarding.service import OnboardingService
from storage.digests import DigestRepository
from storage.models import DigestRow, DigestRunRow, OutboxRow, SubscriberRow
from storage.uow import Database

ROOM = "Y2lzY29zcGFyazovL3VzL1JPT00vZGlnZXN0"
# 07:00 UTC = 08:00 in Prague, a winter Thursday.
FIRE = datetime(2026, 1, 15, 7, 0, tzinfo=UTC)


@pytest.fixture
def bot(database: Database, tmp_path) -> Bot:
    clock = ManualClock(FIRE)
    settings = Settings(files_dir=tmp_path / "files")
    return build_bot(settings, db=database, clock=clock, migrate=False)


def _digest(bot: Bot, *, content: Content = Content.ALL, quiet: bool = False, space=ROOM) -> int:
    spec = add_digest(
        bot.db,
        space_id=space,
        cron="0 8 * * *",
        timezone="Europe/Prague",
        content=content,
        quiet=quiet,
        source=Source.CHAT,
        created_by="admin@example.com",
        now=bot.clock.now() - timedelta(days=1),
    )
    return spec.id


def _count(db: Database, model: type) -> int:
    with db.uow() as uow:
        return uow.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def _outbox(db: Database) -> list[OutboxRow]:
    """The digest messages (a posted digest's trend chart follows under "<key>:chart")."""
    with db.uow() as uow:
        stmt = sa.select(OutboxRow).where(OutboxRow.dedupe_key.not_like("%:chart"))
        return list(uow.session.scalars(stmt.order_by(OutboxRow.id)))


def test_a_firing_posts_once_however_often_it_runs(bot):
    digest_id = _digest(bot)
    first = fire_digest(bot.db, bot.service, bot.clock, digest_id, FIRE)
    again = fire_digest(bot.db, bot.service, bot.clock, digest_id, FIRE)
    assert (first.outcome, again.outcome) == (Outcome.POSTED, Outcome.DUPLICATE)
    [row] = _outbox(bot.db)
    assert row.dedupe_key == dedupe_key(digest_id, FIRE) == f"digest:{digest_id}:{FIRE.isoformat()}"
    assert row.room_id == ROOM
    assert row.markdown == first.markdown
    assert row.card is not None and row.card["version"] == "1.3"
    assert _count(bot.db, DigestRunRow) == 1


def test_racing_processes_post_a_firing_once(bot, database):
    digest_id = _digest(bot)
    # Separate engines, as separate processes would have; all start together.
    url = database.engine.url.render_as_string(hide_password=False)
    others = [Database.from_url(url) for _ in range(4)]
    barrier = threading.Barrier(len(others))
    outcomes: list[Outcome] = []

    def race(db: Database) -> None:
        service = OnboardingService(db, bot.provider, bot.clock)
        barrier.wait()
        outcomes.append(fire_digest(db, service, bot.clock, digest_id, FIRE).outcome)

    threads = [threading.Thread(target=race, args=(db,)) for db in others]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for db in others:
        db.dispose()
    assert sorted(outcomes) == sorted([Outcome.POSTED] + [Outcome.DUPLICATE] * 3)
    assert len(_outbox(bot.db)) == 1
    assert _count(bot.db, DigestRunRow) == 1


def test_missed_within_grace_is_posted_once(bot):
    digest_id = _digest(bot)
    bot.clock.set(FIRE + timedelta(minutes=40))  # the bot was down at 08:00, back at 08:40
    result = fire_due_digest(bot.db, bot.service, bot.clock, digest_id, grace=timedelta(hours=1))
    assert result is not None
    assert (result.outcome, result.fire_time) == (Outcome.POSTED, FIRE)
    bot.clock.advance(timedelta(minutes=5))
    again = fire_due_digest(bot.db, bot.service, bot.clock, digest_id, grace=timedelta(hours=1))
    assert again is not None and again.outcome is Outcome.DUPLICATE
    assert len(_outbox(bot.db)) == 1


def test_missed_beyond_grace_is_skipped(bot):
    digest_id = _digest(bot)
    bot.clock.set(FIRE + timedelta(hours=3))
    assert (
        fire_due_digest(bot.db, bot.service, bot.clock, digest_id, grace=timedelta(hours=1)) is None
    )
    late = fire_digest(bot.db, bot.service, bot.clock, digest_id, FIRE, grace=timedelta(hours=1))
    assert late.outcome is Outcome.MISSED
    assert _outbox(bot.db) == []
    assert _count(bot.db, DigestRunRow) == 0


def _break(db: Database, clock: ManualClock, *, text: str) -> SubscriberRow:
    """Turn the newest provisioned subscriber into a fresh error."""
    with db.uow() as uow:
        row = uow.session.scalars(
            sa.select(SubscriberRow)
            .where(SubscriberRow.status == ProvisioningStatus.PROVISIONED.value)
            .order_by(SubscriberRow.id)
            .limit(1)
        ).one()
        row.status = ProvisioningStatus.ERROR.value
        row.errors = [{"code": 10045, "description": text}]
        row.last_status_change = clock.now()
        uow.commit()
        return row


def test_a_fresh_error_appears_in_one_digest_and_not_the_next(bot):
    digest_id = _digest(bot, content=Content.ERRORS)
    day1 = run_digest(bot, digest_id, fire_time=FIRE)
    assert day1.outcome is Outcome.POSTED
    bot.clock.advance(timedelta(hours=5))
    text = "The email address is already associated with an existing user (fresh)."
    broken = _break(bot.db, bot.clock, text=text)
    day2_time = FIRE + timedelta(days=1)
    bot.clock.set(day2_time)
    day2 = run_digest(bot, digest_id, fire_time=day2_time)
    assert day2.report is not None
    assert [s.id for s in day2.report.new_errors.items] == [broken.id]
    assert text in (day2.markdown or "")
    assert day2.report.change is not None and day2.report.change.errors == 1
    day3_time = day2_time + timedelta(days=1)
    bot.clock.set(day3_time)
    day3 = run_digest(bot, digest_id, fire_time=day3_time)
    assert day3.report is not None
    assert day3.report.new_errors.total == 0
    assert text not in (day3.markdown or "")


def test_the_baseline_survives_a_restart(bot, database):
    digest_id = _digest(bot, content=Content.ERRORS)
    run_digest(bot, digest_id, fire_time=FIRE)
    bot.clock.advance(timedelta(hours=2))
    broken = _break(bot.db, bot.clock, text="after the first digest")
    # A new process: nothing in memory, everything from the database.
    reborn = build_bot(bot.settings, db=database, clock=bot.clock, migrate=False)
    later = FIRE + timedelta(days=1)
    bot.clock.set(later)
    result = run_digest(reborn, digest_id, fire_time=later)
    assert result.report is not None
    assert [s.id for s in result.report.new_errors.items] == [broken.id]
    assert result.report.previous_at == FIRE


def test_quiet_digest_posts_nothing_when_nothing_changed(bot):
    digest_id = _digest(bot, content=Content.ERRORS, quiet=True)
    assert run_digest(bot, digest_id, fire_time=FIRE).outcome is Outcome.POSTED
    later = FIRE + timedelta(days=1)
    bot.clock.set(later)
    quiet = run_digest(bot, digest_id, fire_time=later)
    assert quiet.outcome is Outcome.QUIET
    assert len(_outbox(bot.db)) == 1
    with bot.db.uow() as uow:
        run = DigestRepository(uow.session).run(digest_id, later)
        assert run is not None and run.summary["posted"] is False


def test_loud_digest_posts_one_line_when_nothing_changed(bot):
    digest_id = _digest(bot, content=Content.ERRORS)
    run_digest(bot, digest_id, fire_time=FIRE)
    later = FIRE + timedelta(days=1)
    bot.clock.set(later)
    result = run_digest(bot, digest_id, fire_time=later)
    assert result.outcome is Outcome.POSTED
    assert result.markdown is not None and "\n" not in result.markdown
    assert "nothing changed" in result.markdown


def test_preview_records_nothing(bot):
    digest_id = _digest(bot)
    result = run_digest(bot, digest_id, post=False)
    assert result.outcome is Outcome.PREVIEW and result.markdown
    assert _outbox(bot.db) == [] and _count(bot.db, DigestRunRow) == 0


def test_only_the_latest_posted_run_of_a_space_keeps_its_sets(bot):
    digest_id = _digest(bot)
    for day in range(3):
        when = FIRE + timedelta(days=day)
        bot.clock.set(when)
        run_digest(bot, digest_id, fire_time=when)
    with bot.db.uow() as uow:
        runs = DigestRepository(uow.session).runs([digest_id])
        assert ["open" in r.summary for r in runs] == [False, False, True]
        assert all("by_group" in r.summary for r in runs)


def test_a_stopped_digest_does_not_fire(bot):
    digest_id = _digest(bot)
    with bot.db.uow() as uow:
        row = uow.session.get(DigestRow, digest_id)
        row.enabled = False
        uow.commit()
    assert run_digest(bot, digest_id).outcome is Outcome.DISABLED


def test_sync_configured_digests(bot):
    now = bot.clock.now()
    first = [
        DigestSettings(space="room-a", schedule="daily 08:00", timezone="Europe/Prague"),
        DigestSettings(space="room-b", schedule="weekdays 07:30", content="errors", quiet=True),
    ]
    result = sync_configured_digests(bot.db, first, now)
    assert len(result.added) == 2 and not result.kept and not result.disabled
    chat_id = _digest(bot)
    again = sync_configured_digests(bot.db, first, now)
    assert again.added == () and set(again.kept) == set(result.added)
    second = [first[0], DigestSettings(space="room-c", schedule="0 9 * * 1")]
    changed = sync_configured_digests(bot.db, second, now)
    assert len(changed.added) == 1 and changed.disabled == (result.added[1],)
    back = sync_configured_digests(bot.db, first, now)
    assert result.added[1] in back.kept  # the same definition gets its id (and history) back
    with bot.db.uow() as uow:
        rows = {r.id: r for r in uow.session.scalars(sa.select(DigestRow))}
    assert rows[chat_id].enabled and rows[chat_id].source == "chat"
    assert rows[result.added[1]].cron == "30 7 * * 1-5"
    assert rows[changed.added[0]].enabled is False


def test_sync_names_a_bad_schedule(bot):
    with pytest.raises(ConfigError, match=r"digests\.0\.schedule"):
        sync_configured_digests(bot.db, [DigestSettings(space="r", schedule="hourly")], FIRE)
