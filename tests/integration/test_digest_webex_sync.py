"""Digests over the real provider: status changes seen by the sync feed "new since the previous".

Issue 6 point 4, end to end: ``WebexProvider`` against the admin-API stand-in (every exchange
spec-checked by the ``server`` fixture of ``test_webex_provider``), ``fire_digest`` posting to the
outbox, on SQLite and PostgreSQL. Between two hourly digests one subscriber fails and one error is
resolved in "Webex"; the next digest, refreshed by an incremental sync (``lastStatusChange=``),
shows exactly that new error with its text and that resolved user, and the one after shows
nothing new.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from bot.acl import AccessPolicy
from bot.jobs import DigestResult, Outcome, dedupe_key, fire_digest
from bot.local.admin_api import AdminApiServer, AdminApiState
from bot.local.admin_api_state import iso, webex_id
from onboarding.clock import ManualClock
from onboarding.digest import Content, Source, add_digest
from onboarding.model import ProvisioningStatus
from onboarding.providers.webex import WebexProvider
from onboarding.providers.webex_sync import SUBSCRIBERS_STATE
from onboarding.service import Actor, OnboardingService
from storage.models import OutboxRow
from storage.uow import Database
from tests.integration import test_webex_provider as contract

#: No access section: everyone reading the digest's space may read error text.
OPS_SPACE = AccessPolicy(None)

# The stand-in and its spec check, shared with the provider's contract tests.
admin = contract.admin
server = contract.server
sleeps = contract.sleeps

SPACE = "Y2lzY29zcGFyazovL3VzL1JPT00vd2ViZXgtZGlnZXN0"
SUBSCRIBERS = "/v1/broadworks/subscribers"
HOUR = timedelta(hours=1)
# Hourly digests: an hour is past the provider's freshness (5 min) but well inside its full-sync
# period (24 h), so every sync after the first is incremental.
CRON = "0 * * * *"
FRESH_ERROR = {
    "errorCode": 10061,
    "description": "Fresh failure: the customer template has no calling location (test 6.4).",
}


def _change_status(
    admin: AdminApiState, sub_id: str, status: str, errors: list[dict[str, Any]] | None = None
) -> None:
    """What Webex shows once a subscriber's provisioning state has changed, stamped now.

    The stand-in moves subscribers only on its own schedule, and that cannot set ``errors[]``; a
    test writes the record it serves instead (as the stand-in's own transitions would).
    """
    sub = admin.subscribers[sub_id]
    sub["status"] = status
    sub["lastStatusChange"] = iso(admin.now())
    if errors:
        sub["errors"] = errors
    else:
        sub.pop("errors", None)
    if status == "provisioned":
        sub.setdefault("personId", webex_id("PEOPLE", f"resolved-{sub_id[-8:]}"))
    else:
        sub.pop("personId", None)


def _first(admin: AdminApiState, status: str, *, skip: set[str] | None = None) -> dict[str, Any]:
    return next(
        s
        for s in admin.subscribers.values()
        if s["status"] == status and s.get("email") and s["id"] not in (skip or set())
    )


def _outbox(db: Database) -> list[OutboxRow]:
    with db.uow() as uow:
        return list(uow.session.scalars(sa.select(OutboxRow).order_by(OutboxRow.id)))


def _list_calls(admin: AdminApiState, start: int) -> list[Any]:
    return [e for e in admin.exchanges[start:] if e.path == SUBSCRIBERS and e.method == "GET"]


def _high_water(db: Database) -> int:
    with db.uow() as uow:
        return int((uow.sync_state.get(SUBSCRIBERS_STATE) or {})["high_water_ms"])


def _hourly_digest(
    database: Database, clock: ManualClock, content: Content
) -> tuple[datetime, int]:
    """An hourly digest of SPACE; the clock set to its next firing, which is returned."""
    first_fire = clock.now().replace(minute=0, second=0, microsecond=0) + HOUR
    clock.set(first_fire)
    digest = add_digest(
        database,
        space_id=SPACE,
        cron=CRON,
        timezone="UTC",
        content=content,
        quiet=False,
        source=Source.CHAT,
        created_by="admin@partner.example",
        now=clock.now() - timedelta(days=1),
    )
    return first_fire, digest.id


@pytest.mark.parametrize("failing_from", ["provisioned", "pending_email_validation"])
def test_status_changes_seen_by_the_incremental_sync_feed_the_next_digest(
    database: Database,
    clock: ManualClock,
    server: AdminApiServer,
    admin: AdminApiState,
    sleeps: list[float],
    failing_from: str,
) -> None:
    provider: WebexProvider = contract.make_provider(database, clock, server, sleeps)
    service = OnboardingService(database, provider, clock)
    # 10:00 UTC: the seeded in-flight subscribers have finished (the stand-in's 2-minute delay),
    # so the only status changes between the digests are the two this test makes.
    first_fire, digest_id = _hourly_digest(database, clock, Content.ALL)

    def fire(when: datetime) -> DigestResult:
        clock.set(when)
        start = len(admin.exchanges)
        result = fire_digest(database, service, clock, digest_id, when, access=OPS_SPACE)
        assert result.outcome is Outcome.POSTED and result.report is not None
        calls = _list_calls(admin, start)
        assert calls and all(e.status == 200 for e in calls), "the digest synced first"
        fired.append((result, calls))
        return result

    fired: list[tuple[DigestResult, list[Any]]] = []

    # --- the first digest: a full sync, every error listed --------------------------------
    first = fire(first_fire)
    first_report = first.report
    assert first_report is not None and first_report.first
    assert all("lastStatusChange" not in e.query for e in fired[0][1])  # full sync
    errors_before = {s["id"] for s in admin.subscribers.values() if s["status"] == "error"}
    assert first_report.new_errors.total == len(errors_before) > 1
    assert not any(s["status"] in ("provisioning", "updating") for s in admin.subscribers.values())
    high_water = _high_water(database)

    # --- in Webex, 20 minutes later: one subscriber fails, one error is resolved ----------
    failing = _first(admin, failing_from)
    resolving = _first(admin, "error")
    clock.set(first_fire + timedelta(minutes=20))
    _change_status(admin, failing["id"], "error", [FRESH_ERROR])
    _change_status(admin, resolving["id"], "provisioned")
    changed_at = clock.now()

    # --- the second digest: an incremental sync brings both changes in --------------------
    second = fire(first_fire + HOUR)
    report = second.report
    assert report is not None and not report.first and report.previous_at == first_fire
    calls = fired[1][1]
    since = str(high_water - 60_000)  # the high-water mark less the sync's one-minute overlap
    assert [e.query.get("lastStatusChange") for e in calls] == [since] * len(calls)
    served = {item["id"] for e in calls for item in e.response_body["items"]}
    assert {failing["id"], resolving["id"]} <= served
    assert len(served) < len(admin.subscribers)  # only what changed since the mark

    [new_error] = report.new_errors.items
    assert report.new_errors.total == 1 and new_error.id == failing["id"]
    assert new_error.status is ProvisioningStatus.ERROR
    assert new_error.last_status_change == changed_at
    assert [(e.code, e.description) for e in new_error.errors] == [
        (FRESH_ERROR["errorCode"], FRESH_ERROR["description"])
    ]
    assert new_error.error_text == FRESH_ERROR["description"]
    [resolved] = report.resolved.items
    assert report.resolved.total == 1 and resolved.id == resolving["id"]
    assert resolved.status is ProvisioningStatus.PROVISIONED

    # Counts: one error in, one out; the failing subscriber left its own group.
    assert report.change is not None and report.change.errors == 0
    if failing_from == "provisioned":
        assert (report.change.pending, report.change.provisioned) == (0, 0)
    else:
        assert (report.change.pending, report.change.provisioned) == (-1, 1)
    assert report.changed

    markdown = second.markdown or ""
    assert FRESH_ERROR["description"] in markdown
    assert failing["userId"] in markdown and resolving["userId"] in markdown
    for other in errors_before - {resolving["id"]}:
        # Errors already in the first digest are not repeated as new.
        assert admin.subscribers[other]["userId"] not in markdown

    # --- the third digest: nothing happened in Webex, nothing is new ----------------------
    third = fire(first_fire + 2 * HOUR)
    quiet = third.report
    assert quiet is not None and quiet.previous_at == first_fire + HOUR
    assert all("lastStatusChange" in e.query for e in fired[2][1])  # incremental again
    assert quiet.new_errors.total == 0 and quiet.new_errors.items == ()
    assert quiet.resolved.total == 0 and quiet.resolved.items == ()
    assert quiet.change is not None and quiet.change.zero
    assert not quiet.changed  # a quiet digest would stay silent
    assert FRESH_ERROR["description"] not in (third.markdown or "")

    # --- every firing is one outbox message to the space ------------------------------------
    rows = _outbox(database)
    assert [r.dedupe_key for r in rows] == [
        dedupe_key(digest_id, first_fire + n * HOUR) for n in range(3)
    ]
    assert {r.room_id for r in rows} == {SPACE}
    assert [r.markdown for r in rows] == [result.markdown for result, _ in fired]


def test_an_error_fixed_by_retry_activation_is_listed_as_resolved(
    database: Database,
    clock: ManualClock,
    server: AdminApiServer,
    admin: AdminApiState,
    sleeps: list[float],
) -> None:
    provider = contract.make_provider(database, clock, server, sleeps)
    service = OnboardingService(database, provider, clock)
    first_fire, digest_id = _hourly_digest(database, clock, Content.ERRORS)
    assert fire_digest(database, service, clock, digest_id, first_fire).posted
    failed = _first(admin, "error")
    clock.set(first_fire + timedelta(minutes=10))
    outcome = service.retry_activation(
        failed["userId"], "fixed.user@good.example", Actor("admin@partner.example")
    )
    assert outcome.ok
    [now_in_webex] = [s for s in admin.subscribers.values() if s["userId"] == failed["userId"]]
    assert now_in_webex["id"] != failed["id"]  # same user, new subscriber id
    clock.set(first_fire + HOUR)  # past the stand-in's provisioning delay: provisioned

    second = fire_digest(database, service, clock, digest_id, first_fire + HOUR)

    report = second.report
    assert report is not None and report.change is not None
    assert report.change.errors == -1 and report.new_errors.total == 0  # the error is gone...
    assert report.change.provisioned == 1 and admin.subscribers[now_in_webex["id"]]["status"] == (
        "provisioned"
    )
    assert [s.user_id for s in report.resolved.items] == [failed["userId"]]  # ...as resolved
