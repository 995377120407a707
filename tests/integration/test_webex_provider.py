"""Contract tests: the Webex provider against the admin-API stand-in, every exchange spec-checked.

Each test ends by validating every request the provider sent and every response the stand-in
served against ``webex-broadworks.json`` / ``webex-admin.json`` (helper-1's ``check_exchanges``),
with two documented adaptations (``_for_spec``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests

from bot.local.admin_api import AdminApiServer, AdminApiState, seed_demo
from bot.local.admin_api_state import SCOPE_BW_READ, SCOPE_PEOPLE_READ
from onboarding.clock import ManualClock
from onboarding.errors import ProviderPermission, ProviderUnavailable
from onboarding.mapping import org_user_from_row, subscriber_from_row
from onboarding.model import ControlHubState, Customer, Package, ProvisioningStatus
from onboarding.providers.webex import OAuthTokenSource, StaticToken, WebexProvider
from onboarding.providers.webex_auth import OAUTH_STATE
from onboarding.providers.webex_http import RetryPolicy
from onboarding.providers.webex_sync import SUBSCRIBERS_CURSOR
from onboarding.service import Actor, OnboardingService
from storage.uow import Database
from tests.support.specs import check_exchanges

TOKEN = "admin-token-secret-123"
SPECS = ["webex-broadworks.json", "webex-admin.json"]
_PS = ProvisioningStatus


def _for_spec(exchanges: list[Any]) -> Iterator[dict[str, Any]]:
    """The exchanges as the spec can judge them.

    - ``/access_token`` is not in any spec (OAuth lives outside the REST specs): skipped.
    - ``status`` is "comma separated multi-value" by its description but a single enum value by
      its schema: a multi-value request is checked once per value.
    - People pages are linked with a ``cursor`` parameter that the spec does not list (it only
      says "Long result sets will be split into pages"): dropped before checking.
    """
    for exchange in exchanges:
        item = {f.name: getattr(exchange, f.name) for f in dataclasses.fields(exchange)}
        if item["path"].endswith("/access_token"):
            continue
        query = dict(item["query"])
        query.pop("cursor", None)
        statuses = query.pop("status", None)
        for value in statuses.split(",") if statuses else [None]:
            yield {**item, "query": {**query, **({"status": value} if value else {})}}


@pytest.fixture
def admin(clock: ManualClock) -> AdminApiState:
    state = AdminApiState(clock=clock.now)
    seed_demo(state)
    state.add_token(TOKEN)
    return state


@pytest.fixture
def server(admin: AdminApiState) -> Iterator[AdminApiServer]:
    with AdminApiServer(admin) as running:
        yield running
    check_exchanges(_for_spec(admin.exchanges), SPECS)


@pytest.fixture
def sleeps() -> list[float]:
    return []


def make_provider(
    database: Database,
    clock: ManualClock,
    server: AdminApiServer,
    sleeps: list[float],
    **kwargs: Any,
) -> WebexProvider:
    kwargs.setdefault("token_source", StaticToken(TOKEN))
    kwargs.setdefault("policy", RetryPolicy(timeout=1.0))
    return WebexProvider(
        database, clock, api_url=server.api_url, sleep=sleeps.append, page_size=20, **kwargs
    )


@pytest.fixture
def provider(
    database: Database, clock: ManualClock, server: AdminApiServer, sleeps: list[float]
) -> WebexProvider:
    return make_provider(database, clock, server, sleeps)


def snapshot(database: Database) -> dict[str, Any]:
    with database.uow() as uow:
        return {r.id: subscriber_from_row(r) for r in uow.subscribers.stream(_all())}


def _all() -> Any:
    from storage.repositories import SubscriberFilter

    return SubscriberFilter()


def by_status(admin: AdminApiState, status: str) -> dict[str, Any]:
    return next(s for s in admin.subscribers.values() if s["status"] == status)


# --- the snapshot ------------------------------------------------------------------------


def test_first_refresh_is_a_full_sync_over_several_pages(
    provider: WebexProvider, admin: AdminApiState, database: Database
) -> None:
    report = provider.refresh()

    subs = snapshot(database)
    assert set(subs) == set(admin.subscribers)
    assert {s.status for s in subs.values()} == set(ProvisioningStatus)  # every status read
    pages = [e for e in admin.exchanges if e.path == "/v1/broadworks/subscribers"]
    assert len(pages) == 4 and all(e.query["max"] == "20" for e in pages)
    assert "after" in pages[1].query  # the Link of page 1 was followed
    assert report.complete and report.fresh_as_of == provider.freshness() is not None
    with database.uow() as uow:
        customers = {c.id for c in uow.customers.all()}
        users = [org_user_from_row(r) for r in uow.org_users.in_states(None)]
    assert customers == {s["spEnterpriseId"] for s in admin.subscribers.values()}
    assert len(users) == len(admin.people)


def test_search_uses_the_api_filters_over_several_pages(
    provider: WebexProvider, admin: AdminApiState
) -> None:
    wanted = (_PS.ERROR, _PS.PENDING_EMAIL_INPUT, _PS.PROVISIONED)
    found = list(provider.search(statuses=wanted))
    expected = {s["id"] for s in admin.subscribers.values() if s["status"] in wanted}
    assert {s.id for s in found} == expected and len(found) == len(expected) > 40
    lists = [e for e in admin.exchanges if e.path == "/v1/broadworks/subscribers"]
    assert len(lists) >= 3 and lists[0].query["status"] == "error,pending_email_input,provisioned"
    one = next(iter(admin.subscribers.values()))
    assert [
        s.id for s in provider.search(customer=one["spEnterpriseId"], user_id=one["userId"])
    ] == [one["id"]]
    assert provider.get(one["id"]) is not None and provider.get("missing") is None
    if one.get("email"):
        assert [s.id for s in provider.search(email=one["email"].upper())] == [one["id"]]


def test_subscriber_fields_come_through(
    provider: WebexProvider, admin: AdminApiState, database: Database
) -> None:
    provider.refresh()
    api = by_status(admin, "error")
    sub = snapshot(database)[api["id"]]
    assert sub.user_id == api["userId"] and sub.customer == api["spEnterpriseId"]
    assert [e.code for e in sub.errors] == [e["errorCode"] for e in api["errors"]]
    assert sub.error_text == "\n".join(e["description"] for e in api["errors"])
    assert sub.package is Package(api["package"])


def test_fresh_snapshot_is_not_synced_again(
    provider: WebexProvider, admin: AdminApiState, clock: ManualClock
) -> None:
    provider.refresh()
    admin.clear_exchanges()
    clock.advance(timedelta(minutes=4))
    report = provider.refresh()
    assert admin.exchanges == [] and report.changed == 0


def test_stale_snapshot_syncs_incrementally_with_last_status_change(
    provider: WebexProvider, admin: AdminApiState, database: Database, clock: ManualClock
) -> None:
    provider.refresh()
    moving = by_status(admin, "provisioning")
    admin.clear_exchanges()
    clock.advance(timedelta(minutes=10))  # past freshness and the stand-in's provisioning delay

    report = provider.refresh()

    lists = [e for e in admin.exchanges if e.path == "/v1/broadworks/subscribers"]
    assert lists and all("lastStatusChange" in e.query for e in lists)
    assert snapshot(database)[moving["id"]].status is _PS.PROVISIONED
    assert 0 < report.changed < len(admin.subscribers)


def test_forced_refresh_syncs_now(provider: WebexProvider, admin: AdminApiState) -> None:
    provider.refresh()
    admin.clear_exchanges()
    provider.refresh(force=True)
    assert any(e.path == "/v1/broadworks/subscribers" for e in admin.exchanges)


def test_full_sync_removes_subscribers_gone_from_webex(
    database: Database,
    clock: ManualClock,
    server: AdminApiServer,
    admin: AdminApiState,
    sleeps: list[float],
) -> None:
    provider = make_provider(database, clock, server, sleeps, full_sync_every=timedelta(0))
    provider.refresh()
    gone = by_status(admin, "pending_email_input")["id"]
    admin.delete(gone)

    report = provider.refresh(force=True)

    assert gone not in snapshot(database) and report.removed == 1


def test_interrupted_sync_resumes_without_duplicates_or_losses(
    provider: WebexProvider, admin: AdminApiState, database: Database
) -> None:
    real = provider.http.session

    class Cut(requests.Session):
        calls = 0

        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            if "broadworks/subscribers" in url:
                Cut.calls += 1
                if Cut.calls == 3:
                    raise requests.ConnectionError("cable pulled")
            return real.request(method, url, *args, **kwargs)

    provider.http.session = Cut()
    provider.http.policy = RetryPolicy(max_attempts=1)
    with pytest.raises(ProviderUnavailable):
        provider.refresh()
    with database.uow() as uow:
        cursor = uow.sync_state.get(SUBSCRIBERS_CURSOR)
    assert cursor is not None and cursor["pages"] == 2 and cursor["next"]
    assert len(snapshot(database)) == 40 and provider.freshness() is None
    # Webex moves on meanwhile: one subscriber already read is deleted, a new one arrives.
    first_page_id = next(iter(snapshot(database)))
    admin.delete(first_page_id)
    added = admin.add_subscriber(
        userId="999@voip.example",
        spEnterpriseId="acme-cz",
        firstName="New",
        lastName="Comer",
        package="basic",
        status="pending_email_input",
        provisioningId="prov-acme-cz",
    )
    admin.clear_exchanges()

    provider.refresh()

    resumed = [e for e in admin.exchanges if e.path == "/v1/broadworks/subscribers"]
    assert resumed[0].query.get("after") == cursor["next"].split("after=")[1].split("&")[0]
    subs = snapshot(database)
    # No losses; the one deleted after this run had seen it waits for the next full sync.
    assert set(subs) == set(admin.subscribers) | {first_page_id}
    assert added["id"] in subs
    with database.uow() as uow:
        assert uow.subscribers.count() == len(admin.subscribers) + 1  # no duplicates
        assert uow.sync_state.get(SUBSCRIBERS_CURSOR) is None
    assert provider.freshness() is not None


def test_incremental_sync_replaces_a_user_provisioned_again_outside_the_bot(
    provider: WebexProvider, admin: AdminApiState, database: Database, clock: ManualClock
) -> None:
    provider.refresh()
    old = by_status(admin, "error")
    admin.delete(old["id"])
    clock.advance(timedelta(seconds=1))
    fields = {k: old[k] for k in ("userId", "spEnterpriseId", "firstName", "lastName", "package")}
    new = admin.add_subscriber(**fields, status="provisioning", lastStatusChange=clock.now())
    clock.advance(timedelta(minutes=6))  # stale, but no full sync due

    provider.refresh()

    rows = [s for s in snapshot(database).values() if s.user_id == old["userId"]]
    assert [s.id for s in rows] == [new["id"]]


def test_high_water_mark_never_passes_the_start_of_the_run(
    provider: WebexProvider, admin: AdminApiState, database: Database, clock: ManualClock
) -> None:
    # A status change stamped ahead of the run (a clock ahead of ours, or a change while the
    # run paged) must not make the next incremental sync skip what changed before that stamp.
    fields = {"spEnterpriseId": "acme-cz", "firstName": "A", "lastName": "Head", "package": "basic"}
    admin.add_subscriber(
        userId="ahead@voip.example", **fields, lastStatusChange=clock.now() + timedelta(hours=1)
    )
    provider.refresh()
    clock.advance(timedelta(minutes=6))
    later = admin.add_subscriber(
        userId="later@voip.example", **fields, lastStatusChange=clock.now()
    )

    provider.refresh()

    assert later["id"] in snapshot(database)


def test_background_sync_failure_serves_the_old_snapshot_but_forced_refresh_reports_it(
    provider: WebexProvider, admin: AdminApiState, clock: ManualClock
) -> None:
    provider.refresh()
    before = provider.freshness()
    clock.advance(timedelta(minutes=10))
    admin.fail_next("GET", r"^/v1/broadworks/subscribers$", 503, times=20)
    report = provider.refresh()
    assert not report.complete and report.fresh_as_of == before
    with pytest.raises(ProviderUnavailable):
        provider.refresh(force=True)
    admin.faults.clear()


# --- actions ----------------------------------------------------------------------------


def test_change_package_puts_and_records_updating(
    provider: WebexProvider, admin: AdminApiState, database: Database, clock: ManualClock
) -> None:
    provider.refresh()
    target = snapshot(database)[by_status(admin, "provisioned")["id"]]
    new = Package.PREMIUM if target.package is not Package.PREMIUM else Package.BASIC

    outcome = provider.change_package(target, new)

    assert outcome.ok and outcome.steps[0].key == "webex.package.updating"
    assert snapshot(database)[target.id].status is _PS.UPDATING
    puts = [e for e in admin.exchanges if e.method == "PUT"]
    assert puts[0].body == {"package": new.value}
    clock.advance(timedelta(minutes=10))
    provider.refresh()
    after = snapshot(database)[target.id]
    assert after.status is _PS.PROVISIONED and after.package is new


def test_delete_removes_in_webex_and_snapshot_and_tolerates_gone(
    provider: WebexProvider, admin: AdminApiState, database: Database
) -> None:
    provider.refresh()
    target = snapshot(database)[by_status(admin, "error")["id"]]

    outcome = provider.delete_subscriber(target)
    again = provider.delete_subscriber(target)

    assert outcome.ok and outcome.steps[0].key == "webex.delete.done"
    assert target.id not in admin.subscribers and target.id not in snapshot(database)
    assert again.ok and again.steps[0].key == "webex.delete.already_gone"


def test_retry_for_user_migration_sends_the_consent_email(
    provider: WebexProvider, admin: AdminApiState, database: Database
) -> None:
    provider.refresh()
    target = snapshot(database)[by_status(admin, "pending_user_migration")["id"]]

    outcome = provider.retry_activation(target, str(target.email))

    assert outcome.ok and outcome.steps[0].key == "webex.retry.consent_sent"
    assert admin.consent_emails == [target.email]
    assert any(e.path == f"/v1/subscribers/{target.id}/emails/consentMove" for e in admin.exchanges)


def test_retry_with_failing_precheck_changes_nothing(
    provider: WebexProvider, admin: AdminApiState, database: Database
) -> None:
    provider.refresh()
    target = snapshot(database)[by_status(admin, "error")["id"]]

    outcome = provider.retry_activation(target, "someone@taken.example")

    assert not outcome.ok
    assert [s.key for s in outcome.steps] == [
        "webex.retry.details_read",
        "webex.retry.precheck_failed",
    ]
    assert outcome.steps[-1].params["code"] == 10045
    assert target.id in admin.subscribers and target.id in snapshot(database)
    assert not any(e.method in ("DELETE",) for e in admin.exchanges)


@pytest.mark.parametrize("status", ["error", "pending_email_input", "pending_email_validation"])
def test_retry_reprovisions_under_the_same_identity(
    provider: WebexProvider,
    admin: AdminApiState,
    database: Database,
    clock: ManualClock,
    status: str,
) -> None:
    provider.refresh()
    old_api = by_status(admin, status)
    target = snapshot(database)[old_api["id"]]

    outcome = provider.retry_activation(target, "fresh.start@acme-cz.example")

    assert outcome.ok, outcome.steps
    assert [s.key for s in outcome.steps] == [
        "webex.retry.details_read",
        "webex.retry.precheck_ok",
        "webex.retry.saved",
        "webex.retry.deleted",
        "webex.retry.provisioning",
    ]
    new = outcome.subscriber
    assert new is not None and new.id != target.id and new.user_id == target.user_id
    posted = next(
        e for e in admin.exchanges if e.method == "POST" and e.path.endswith("subscribers")
    )
    for field in ("userId", "spEnterpriseId", "firstName", "lastName", "package", "provisioningId"):
        assert posted.body[field] == old_api[field]
    assert posted.body["primaryPhoneNumber"] == old_api["primaryPhoneNumber"]  # from the GET
    assert posted.body["email"] == "fresh.start@acme-cz.example"
    subs = snapshot(database)
    assert target.id not in subs and subs[new.id].status is _PS.PROVISIONING
    clock.advance(timedelta(minutes=10))
    provider.refresh()
    assert snapshot(database)[new.id].status is _PS.PROVISIONED


def test_retry_that_fails_after_delete_is_recoverable_by_retrying_again(
    database: Database,
    clock: ManualClock,
    server: AdminApiServer,
    admin: AdminApiState,
    sleeps: list[float],
) -> None:
    provider = make_provider(database, clock, server, sleeps, full_sync_every=timedelta(0))
    service = OnboardingService(database, provider, clock)
    provider.refresh()
    target = snapshot(database)[by_status(admin, "error")["id"]]
    admin.fail_next("POST", r"^/v1/broadworks/subscribers$", 400)

    first = service.retry_activation(target.user_id, "second.try@acme-cz.example", Actor("a@x"))

    assert not first.ok
    assert [s.key for s in first.steps][-3:] == [
        "webex.retry.deleted",
        "webex.retry.provision_failed",
        "webex.retry.recoverable",
    ]
    assert not any(s["userId"] == target.user_id for s in admin.subscribers.values())
    # Still findable, even after a full sync that would remove anything gone from Webex.
    provider.refresh(force=True)
    assert service.find_subscriber(target.user_id).id == target.id

    second = service.retry_activation(target.user_id, "second.try@acme-cz.example", Actor("a@x"))

    assert second.ok, second.steps
    assert [s.key for s in second.steps] == [
        "webex.retry.resuming",
        "webex.retry.precheck_ok",
        "webex.retry.already_deleted",
        "webex.retry.provisioning",
    ]
    found = service.find_subscriber(target.user_id)
    assert found.email == "second.try@acme-cz.example" and found.id != target.id


def test_resumed_retry_adopts_a_post_that_landed_unconfirmed(
    provider: WebexProvider, admin: AdminApiState, database: Database
) -> None:
    provider.refresh()
    old = by_status(admin, "error")
    target = snapshot(database)[old["id"]]
    admin.fail_next("POST", r"^/v1/broadworks/subscribers$", 400)
    assert not provider.retry_activation(target, "late.land@acme-cz.example").ok
    # The POST did land after all (Webex answered with an error it did not mean).
    fields = {k: old[k] for k in ("userId", "spEnterpriseId", "firstName", "lastName", "package")}
    landed = admin.add_subscriber(
        **fields, email="late.land@acme-cz.example", status="provisioning"
    )
    admin.clear_exchanges()

    again = provider.retry_activation(target, "late.land@acme-cz.example")

    assert again.ok, again.steps
    assert [s.key for s in again.steps] == ["webex.retry.resuming", "webex.retry.provisioning"]
    assert again.subscriber is not None and again.subscriber.id == landed["id"]
    assert not any(e.method in ("POST", "DELETE") for e in admin.exchanges)
    assert [s.id for s in snapshot(database).values() if s.user_id == old["userId"]] == [
        landed["id"]
    ]


def test_retry_whose_post_times_out_but_landed_is_found(
    provider: WebexProvider, admin: AdminApiState, database: Database
) -> None:
    provider.refresh()
    target = snapshot(database)[by_status(admin, "error")["id"]]
    admin.delay_next("POST", r"^/v1/broadworks/subscribers$", 1.5)

    outcome = provider.retry_activation(target, "slow.lane@acme-cz.example")

    assert outcome.ok and outcome.subscriber is not None
    assert outcome.subscriber.email == "slow.lane@acme-cz.example"
    posts = [e for e in admin.exchanges if e.method == "POST" and e.path.endswith("subscribers")]
    assert len(posts) == 1  # not repeated: a POST that may have landed is looked up instead


def test_template_is_not_readable_through_the_api(provider: WebexProvider) -> None:
    report = provider.template(Customer("acme-cz", "Acme"))
    assert report.known is False and report.ok is None


# --- Control Hub -------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["bool", "string"])
def test_control_hub_states_and_their_confidence(
    database: Database,
    clock: ManualClock,
    admin: AdminApiState,
    sleeps: list[float],
    style: str,
) -> None:
    admin.bool_style = style
    admin.people.clear()
    admin.scim.clear()
    admin.admin_person_id = ""
    admin.add_token(TOKEN)
    S = ControlHubState
    admin.add_person("nv@x.example", "Nora V", state=S.NOT_VERIFIED)
    admin.add_person("ve@x.example", "Vera E", state=S.VERIFIED)
    admin.add_person("ac@x.example", "Adam C", state=S.ACTIVE)
    admin.add_person("hi@x.example", "Hidden I", state=S.ACTIVE, presence_hidden=True)
    admin.add_person("in@x.example", "Ivan N", state=S.INACTIVE)
    admin.add_person("dc@x.example", "Dana C", state=S.DELAYED_CLAIM)
    with AdminApiServer(admin) as server:
        provider = make_provider(database, clock, server, sleeps)
        provider.refresh()
        with database.uow() as uow:
            users = {u.email: org_user_from_row(u) for u in uow.org_users.in_states(None)}
    check_exchanges(_for_spec(admin.exchanges), SPECS)

    def read(email: str) -> tuple[ControlHubState, str]:
        return users[email].state, users[email].facts["state_confidence"]

    assert read("nv@x.example") == (S.NOT_VERIFIED, "inferred")
    assert read("ve@x.example") == (S.VERIFIED, "inferred")
    assert read("ac@x.example") == (S.ACTIVE, "inferred")
    assert read("hi@x.example") == (S.ACTIVE, "unknown")
    assert users["hi@x.example"].facts["state_candidates"] == "active,verified"
    assert read("in@x.example") == (S.INACTIVE, "api")
    assert read("dc@x.example") == (S.ACTIVE, "inferred")  # Delayed claim: not detectable
    assert users["dc@x.example"].facts["delayed_claim"] == "not_detectable"


def test_resend_starts_the_bulk_job_and_says_it_covers_the_whole_org(
    provider: WebexProvider, admin: AdminApiState, database: Database
) -> None:
    provider.refresh()
    with database.uow() as uow:
        waiting = [
            org_user_from_row(r) for r in uow.org_users.in_states([ControlHubState.NOT_VERIFIED])
        ]
    assert len(waiting) > 1

    outcome = provider.resend_invitations(waiting[:1])
    busy = provider.resend_invitations(waiting)

    assert outcome.ok
    assert [s.key for s in outcome.steps] == ["webex.resend.job_started", "webex.resend.whole_org"]
    assert not busy.ok and busy.steps[0].key == "webex.resend.already_running"
    with database.uow() as uow:
        reminded = [org_user_from_row(r) for r in uow.org_users.in_states(["not_verified"])]
    assert len(reminded) == len(waiting)
    assert all(u.last_reminder is not None for u in reminded)


# --- faults ------------------------------------------------------------------------------


def test_429_is_honoured_then_succeeds(
    provider: WebexProvider, admin: AdminApiState, sleeps: list[float]
) -> None:
    admin.fail_next("GET", r"^/v1/broadworks/subscribers$", 429, headers={"Retry-After": "7"})
    provider.refresh()
    assert sleeps == [7.0] and provider.freshness() is not None


def test_423_is_honoured_like_429(
    provider: WebexProvider, admin: AdminApiState, sleeps: list[float]
) -> None:
    admin.fail_next("GET", r"^/v1/broadworks/subscribers$", 423, headers={"Retry-After": "2"})
    provider.refresh()
    assert sleeps == [2.0]


def test_429_beyond_the_bound_is_reported(
    provider: WebexProvider, admin: AdminApiState, sleeps: list[float]
) -> None:
    admin.fail_next(
        "GET", r"^/v1/broadworks/subscribers$", 429, times=50, headers={"Retry-After": "12"}
    )
    with pytest.raises(ProviderUnavailable) as caught:
        provider.refresh()
    assert caught.value.key == "webex.error.rate_limited"
    assert sleeps == [12.0, 12.0] and sum(sleeps) <= 30
    admin.faults.clear()


def test_5xx_is_retried_with_backoff(
    provider: WebexProvider, admin: AdminApiState, sleeps: list[float]
) -> None:
    admin.fail_next("GET", r"^/v1/broadworks/subscribers$", 500, times=2)
    provider.refresh()
    assert sleeps == [1.0, 2.0] and provider.freshness() is not None


def test_5xx_beyond_the_attempts_is_reported(
    provider: WebexProvider, admin: AdminApiState, sleeps: list[float]
) -> None:
    admin.fail_next("GET", r"^/v1/broadworks/subscribers$", 502, times=10)
    with pytest.raises(ProviderUnavailable) as caught:
        provider.refresh()
    assert caught.value.key == "webex.error.unavailable" and len(sleeps) == 3
    admin.faults.clear()


def test_timeout_is_retried(
    provider: WebexProvider, admin: AdminApiState, sleeps: list[float]
) -> None:
    admin.delay_next("GET", r"^/v1/broadworks/subscribers$", 1.5)
    provider.refresh()
    assert sleeps == [1.0] and provider.freshness() is not None


def test_401_names_the_scope_and_never_the_token(
    database: Database, clock: ManualClock, server: AdminApiServer, sleeps: list[float]
) -> None:
    provider = make_provider(database, clock, server, sleeps, token_source=StaticToken("nope"))
    with pytest.raises(ProviderPermission) as caught:
        provider.refresh()
    assert caught.value.params["scope"] == SCOPE_BW_READ
    assert SCOPE_BW_READ in caught.value.message() and "nope" not in caught.value.message()


def test_403_names_the_missing_scope(
    database: Database,
    clock: ManualClock,
    server: AdminApiServer,
    admin: AdminApiState,
    sleeps: list[float],
) -> None:
    admin.add_token("reader", scopes=[SCOPE_BW_READ])
    provider = make_provider(
        database, clock, server, sleeps, token_source=StaticToken("reader"), control_hub=False
    )
    provider.refresh()
    target = next(iter(snapshot(database).values()))
    with pytest.raises(ProviderPermission) as caught:
        provider.change_package(target, Package.SOFTPHONE)
    assert caught.value.params["scope"] == "spark-admin:broadworks_subscribers_write"
    assert "broadworks_subscribers_write" in caught.value.message("cs")
    people = make_provider(database, clock, server, sleeps, token_source=StaticToken("reader"))
    people.refresh(force=True)  # subscribers are still served without the People scopes
    with pytest.raises(ProviderPermission) as caught:
        people.refresh_org_users(force=True)
    assert caught.value.params["scope"] == SCOPE_PEOPLE_READ


# --- OAuth -------------------------------------------------------------------------------


def test_oauth_token_is_refreshed_stored_and_renewed_before_expiry(
    database: Database,
    clock: ManualClock,
    server: AdminApiServer,
    admin: AdminApiState,
    sleeps: list[float],
) -> None:
    admin.add_client("client-1", "s3cret", "refresh-1", expires_in=3600, rotate=True)

    def source() -> OAuthTokenSource:
        return OAuthTokenSource(
            database,
            clock,
            client_id="client-1",
            client_secret="s3cret",
            refresh_token="refresh-1",
            token_url=server.api_url + "access_token",
        )

    provider = make_provider(database, clock, server, sleeps, token_source=source())
    provider.refresh()
    assert admin.clients["client-1"].refreshes == 1
    with database.uow() as uow:
        stored = uow.sync_state.get(OAUTH_STATE)
    assert stored is not None and stored["refresh_token"] != "refresh-1"  # rotated, kept

    restarted = make_provider(database, clock, server, sleeps, token_source=source())
    clock.advance(timedelta(minutes=30))
    restarted.refresh(force=True)
    assert admin.clients["client-1"].refreshes == 1  # the stored token was still good

    clock.advance(timedelta(minutes=25))  # within the 10-minute margin of expiry
    restarted.refresh(force=True)
    assert admin.clients["client-1"].refreshes == 2
    forms = [e.body for e in admin.exchanges if e.path.endswith("/access_token")]
    assert len(forms) == 2
    assert all(f["client_secret"] == "***" for f in forms)  # the log never keeps secrets


def test_oauth_refusal_is_a_permission_error(
    database: Database, clock: ManualClock, server: AdminApiServer, sleeps: list[float]
) -> None:
    source = OAuthTokenSource(
        database,
        clock,
        client_id="nobody",
        client_secret="x",
        refresh_token="y",
        token_url=server.api_url + "access_token",
    )
    provider = make_provider(database, clock, server, sleeps, token_source=source)
    with pytest.raises(ProviderPermission) as caught:
        provider.refresh()
    assert caught.value.key == "webex.error.oauth_refused"


def test_from_settings_builds_static_or_oauth(database: Database, clock: ManualClock) -> None:
    from bot.settings import Settings

    plain = Settings.model_validate(
        {"provider": "webex", "webex": {"admin_token": "t"}, "sync": {"freshness_seconds": 60}}
    )
    built = WebexProvider.from_settings(plain, database, clock)
    assert isinstance(built.http.tokens, StaticToken)
    assert built.freshness_window == timedelta(seconds=60)
    oauth = Settings.model_validate(
        {
            "provider": "webex",
            "oauth": {"client_id": "c", "client_secret": "s", "refresh_token": "r"},
        }
    )
    built = WebexProvider.from_settings(oauth, database, clock)
    assert isinstance(built.http.tokens, OAuthTokenSource)
    assert built.http.tokens.token_url == "https://webexapis.com/v1/access_token"
