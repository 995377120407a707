"""What a digest says, over the sandbox's demo data: every item of the issue's content list."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.bootstrap import Bot, build_bot
from bot.cards._md import MAX_BYTES, size
from bot.cards.digest import card, digest_card, digest_markdown, markdown
from bot.jobs import Outcome, run_digest
from bot.settings import Settings
from commands.digest import DigestView
from onboarding.clock import ManualClock
from onboarding.demo_data import CLAIM_DEADLINES, STATUS_COUNTS
from onboarding.digest import Content, DigestOptions, Source, add_digest, build_report
from onboarding.lifecycle import claim_deadline
from onboarding.model import ControlHubState, ProvisioningStatus, StatusGroup
from onboarding.seeding import seed_subscribers
from storage.models import OrgUserRow, SubscriberRow
from storage.uow import Database

ROOM = "room-digest-content"
NOW = datetime(2026, 1, 15, 7, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def bot(database: Database, tmp_path) -> Bot:
    settings = Settings(files_dir=tmp_path / "files")
    return build_bot(settings, db=database, clock=ManualClock(NOW), migrate=False)


def _digest(bot: Bot, content: Content = Content.ALL) -> int:
    return add_digest(
        bot.db,
        space_id=ROOM,
        cron="0 8 * * *",
        timezone="Europe/Prague",
        content=content,
        quiet=False,
        source=Source.CONFIG,
        created_by=None,
        now=NOW - DAY,
    ).id


def _rows(db: Database, model: type) -> list:
    with db.uow() as uow:
        return list(uow.session.scalars(sa.select(model)))


def test_counts_per_group_status_and_customer(bot):
    report = build_report(bot.service, content=Content.ALL, previous=None)
    assert report.summary.by_status == dict(STATUS_COUNTS)
    assert report.summary.by_group == {
        StatusGroup.PROVISIONED: 34,
        StatusGroup.PENDING: 30,
        StatusGroup.ERROR: 16,
    }
    per_customer: dict[str, dict[StatusGroup, int]] = {}
    for row in _rows(bot.db, SubscriberRow):
        group = ProvisioningStatus(row.status).group
        counts = per_customer.setdefault(row.customer_id, dict.fromkeys(StatusGroup, 0))
        counts[group] += 1
    assert report.summary.by_customer == per_customer
    text = digest_markdown(DigestView(report, NOW, "Europe/Prague"), "en")
    assert "Users: 80" in text and "error 16" in text and "pending request 30" in text
    assert "waiting for the user's email 10" in text
    for cust_id in per_customer:
        assert report.customer_names[cust_id] in text


def test_first_digest_lists_every_error_with_its_text(bot):
    report = build_report(bot.service, content=Content.ERRORS, previous=None)
    errors = [r for r in _rows(bot.db, SubscriberRow) if r.status == "error"]
    assert report.first and report.new_errors.total == len(errors) == 16
    text = digest_markdown(DigestView(report, NOW, "UTC", error_text=True), "en")
    shown = report.new_errors.items[:10]
    for sub in shown:
        assert sub.errors[0].description[:60] in text
    assert "…and 6 more: `export errors` sends the full list." in text


def test_errors_new_since_the_previous_digest_and_resolved_since_then(bot):
    digest_id = _digest(bot)
    run_digest(bot, digest_id, fire_time=NOW)
    # In-flight subscribers finish provisioning within three hours (the sandbox's schedule).
    in_flight = {
        r.id for r in _rows(bot.db, SubscriberRow) if ProvisioningStatus(r.status).in_flight
    }
    bot.clock.set(NOW + DAY)
    result = run_digest(bot, digest_id, fire_time=NOW + DAY)
    report = result.report
    assert report is not None and not report.first
    assert report.new_errors.total == 0
    assert {s.id for s in report.resolved.items} == in_flight
    assert report.change is not None
    assert (report.change.errors, report.change.pending, report.change.provisioned) == (
        0,
        -len(in_flight),
        len(in_flight),
    )
    assert f"pending −{len(in_flight)}, provisioned +{len(in_flight)}" in (result.markdown or "")
    assert "Resolved since the previous digest" in (result.markdown or "")


def test_users_pending_for_more_than_n_days(bot):
    options = DigestOptions(pending_days=10)
    report = build_report(bot.service, content=Content.PENDING, previous=None, options=options)
    expected = sorted(
        (r.last_status_change, r.id)
        for r in _rows(bot.db, SubscriberRow)
        if ProvisioningStatus(r.status).group is StatusGroup.PENDING
        and NOW - r.last_status_change > timedelta(days=10)
    )
    assert expected, "the demo data has long-pending users"
    assert report.pending_too_long.total == len(expected)
    assert [(s.last_status_change, s.id) for s in report.pending_too_long.items] == expected
    text = digest_markdown(DigestView(report, NOW, "UTC"), "en")
    assert f"Pending for more than 10 days ({len(expected)})" in text


def test_not_verified_for_more_than_n_days(bot):
    report = build_report(bot.service, content=Content.PENDING, previous=None)
    expected = {
        r.id
        for r in _rows(bot.db, OrgUserRow)
        if r.state == ControlHubState.NOT_VERIFIED.value and NOW - r.state_since > 7 * DAY
    }
    assert expected and {s.user.id for s in report.not_verified.items} == expected
    text = digest_markdown(DigestView(report, NOW, "UTC"), "en")
    assert f"Not verified for more than 7 days ({len(expected)})" in text
    cs = digest_markdown(DigestView(report, NOW, "UTC"), "cs")
    assert f"Neověřeno déle než 7 dní ({len(expected)})" in cs


def test_delayed_claims_whose_window_ends_within_48_hours(bot):
    report = build_report(bot.service, content=Content.PENDING, previous=None)
    seconds = sorted(
        int((claim_deadline(s.user) - NOW).total_seconds()) for s in report.claims.items
    )
    # Within 48 hours or already over; the ones with 2 days 3 hours and more left are not listed.
    assert seconds == sorted(s for s in CLAIM_DEADLINES if s <= 2 * 86_400)
    later = build_report_at(bot, NOW + DAY)
    assert len(later.claims.items) == len([s for s in CLAIM_DEADLINES if s <= 3 * 86_400])
    text = digest_markdown(DigestView(report, NOW, "UTC"), "en")
    assert "Delayed claim: the 14-day window ends within 48 hours or has ended" in text


def build_report_at(bot: Bot, when: datetime):
    bot.clock.set(when)
    return build_report(bot.service, content=Content.PENDING, previous=None)


def test_nothing_changed_is_detected_per_content(bot):
    errors_id = _digest(bot, Content.ERRORS)
    pending_id = add_digest(
        bot.db,
        space_id="another-room",
        cron="0 8 * * *",
        timezone="UTC",
        content=Content.PENDING,
        quiet=False,
        source=Source.CHAT,
        created_by="a@example.com",
        now=NOW - DAY,
    ).id
    run_digest(bot, errors_id, fire_time=NOW)
    run_digest(bot, pending_id, fire_time=NOW)
    # Three hours on, in-flight users are provisioned: pending changed, errors did not.
    later = NOW + timedelta(hours=4)
    bot.clock.set(later)
    errors_again = run_digest(bot, errors_id, fire_time=later)
    pending_again = run_digest(bot, pending_id, fire_time=later)
    assert errors_again.report is not None and not errors_again.report.changed
    assert pending_again.report is not None and pending_again.report.changed
    assert "nothing changed" in (errors_again.markdown or "")


def test_the_card_is_valid_and_small(bot):
    from tests.support.specs import count_card_actions, validate_card

    report = build_report(bot.service, content=Content.ALL, previous=None)
    view = DigestView(report, NOW, "Europe/Prague", 7)
    body = digest_card(view, "cs")
    validate_card(body)
    assert count_card_actions(body) <= 5
    assert body["actions"][0]["data"] == {"action": "digest.now", "digest_id": 7}
    assert size(json.dumps(body)) < 16_000
    assert card(view, "en") is not None


def test_czech_digest_uses_partner_hub_words(bot):
    report = build_report(bot.service, content=Content.ALL, previous=None)
    text = markdown(DigestView(report, NOW, "Europe/Prague"), "cs")
    assert text.startswith("**Přehled onboardingu** · 15. 1. 2026 8:00 Europe/Prague")
    for word in (
        "chyba 16",
        "nevyřízený požadavek 30",
        "zřízen 34",
        "Odložený nárok",
        "Chyby (16)",
    ):
        assert word in text


def test_a_big_digest_stays_under_the_webex_limit(bot, database):
    if not database.is_sqlite:
        pytest.skip("the size limit does not depend on the backend")
    seed_subscribers(bot.db, count=3000, random_seed=3, progress=False, clock=bot.clock)
    with bot.db.uow() as uow:
        for row in uow.session.scalars(
            sa.select(SubscriberRow).where(SubscriberRow.status == "error")
        ):
            row.errors = [{"code": 10045, "description": "Ž" * 280 + " " + row.id}]
        uow.commit()
    digest_id = _digest(bot)
    result = run_digest(bot, digest_id, fire_time=NOW)
    assert result.outcome is Outcome.POSTED and result.markdown
    assert size(result.markdown) < MAX_BYTES
    assert "`export errors` sends the full list" in result.markdown
    assert "`export pending` sends the full list" in result.markdown
    assert "more customers" in result.markdown
    cs = digest_markdown(DigestView(result.report, NOW, "Europe/Prague"), "cs")
    assert size(cs) < MAX_BYTES and "celý seznam pošle `export errors`" in cs
    assert result.card is not None and size(json.dumps(result.card)) < 28_000
