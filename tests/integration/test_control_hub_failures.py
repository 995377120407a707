"""Control Hub failures never take subscriber commands down (issue 9, point 2).

Seen as: with ``provider: webex`` against a Webex whose ``GET /v1/people`` answers 404, the first
``status error`` on a fresh database answered "Sorry, something went wrong on my side". Here each
kind of People/SCIM failure is served by the admin stand-in over real HTTP; subscriber commands
answer as usual, the failure is counted, and only the Control Hub commands (``states``,
``stuck``, ``state``, ``resend``) report it, saying which call failed and what to fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cards import render_markdown
from bot.local.admin_api import AdminApiServer, AdminApiState
from commands.runner import run_text
from onboarding.clock import ManualClock
from onboarding.model import ProvisioningStatus
from onboarding.providers.webex import WebexProvider
from onboarding.providers.webex_http import RetryPolicy
from onboarding.service import OnboardingService
from storage.uow import Database
from tests.integration import test_ask_webex as webex_cli
from tests.integration import test_webex_provider as contract
from tests.support.commands import command_context
from tests.support.specs import check_exchanges

PEOPLE = r"^/v1/people$"
PEOPLE_ME = r"^/v1/people/me$"
SCIM = r"^/v1/identity/scim/"
MANY = 1000  # every request of the test meets the fault until it is cleared

admin = contract.admin


@pytest.fixture
def server(admin: AdminApiState) -> Iterator[AdminApiServer]:
    with AdminApiServer(admin) as running:
        yield running
    # The injected faults are not Webex's answers; everything the bot sent, and every other
    # answer, must follow the specs.
    check_exchanges(
        contract._for_spec([e for e in admin.exchanges if not e.injected]), contract.SPECS
    )


@pytest.fixture
def provider(database: Database, clock: ManualClock, server: AdminApiServer) -> WebexProvider:
    policy = RetryPolicy(timeout=0.5, max_attempts=2, max_wait=3.0)
    return contract.make_provider(database, clock, server, [], policy=policy)


Said = tuple[bool, str]


@pytest.fixture
def chat(provider: WebexProvider, database: Database, clock: ManualClock, tmp_path: Path):
    """Type a command as the admin, as in test_commands_sandbox; returns (ok, markdown)."""
    service = OnboardingService(database, provider, clock)

    def say(text: str) -> Said:
        with database.uow() as uow:
            context = command_context(uow, service, database, clock, tmp_path)
            reply = run_text(text, context).reply
            uow.commit()
        return reply.ok, render_markdown(reply.view, "en")

    return say


Inject = Callable[[AdminApiState], None]


def _status(path: str, status: int, **kw: Any) -> Inject:
    return lambda admin: admin.fail_next("GET", path, status, times=MANY, **kw)


def _raw(path: str, text: str, content_type: str = "application/json") -> Inject:
    return lambda admin: admin.answer_raw_next(
        "GET", path, text, content_type=content_type, times=MANY
    )


def _slow(path: str) -> Inject:
    return lambda admin: admin.delay_next("GET", path, 1.0, times=MANY)


# (injected fault, kind counted, the call named, words of the fix)
FAILURES = {
    "people 401": (_status(PEOPLE, 401), "permission", "GET /v1/people", "spark-admin:people_read"),
    "people 403": (_status(PEOPLE, 403), "permission", "GET /v1/people", "spark-admin:people_read"),
    "people 404": (_status(PEOPLE, 404), "not_found", "GET /v1/people", "webex.org_id"),
    "people 400": (_status(PEOPLE, 400), "refused", "GET /v1/people", "HTTP 400"),
    "people 500": (_status(PEOPLE, 500), "unavailable", "GET /v1/people", "try again"),
    "people 503": (_status(PEOPLE, 503), "unavailable", "GET /v1/people", "try again"),
    "people 429": (_status(PEOPLE, 429), "unavailable", "GET /v1/people", "try again"),
    "people timeout": (_slow(PEOPLE), "unavailable", "GET /v1/people", "timeout"),
    "people cut-off JSON": (_raw(PEOPLE, '{"items": [{"id": '), "malformed", "GET /v1/people", ""),
    "people HTML page": (
        _raw(PEOPLE, "<html><body>Bad gateway</body></html>", "text/html"),
        "malformed",
        "GET /v1/people",
        "cannot read",
    ),
    "people no items": (
        _status(PEOPLE, 200, headers={}, body={"people": []}),
        "malformed",
        "GET /v1/people",
        "no items list",
    ),
    "people/me 404": (_status(PEOPLE_ME, 404), "not_found", "GET /v1/people/me", "webex.org_id"),
    "SCIM 403": (_status(SCIM, 403), "permission", "/v2/Users", "identity:people_read"),
    "SCIM 404": (_status(SCIM, 404), "not_found", "/v2/Users", "identity:people_read"),
    "SCIM 502": (_status(SCIM, 502), "unavailable", "/v2/Users", "try again"),
    "SCIM bad body": (
        _status(SCIM, 200, headers={}, body={"Resources": "none"}),
        "malformed",
        "/v2/Users",
        "Resources",
    ),
}


@pytest.mark.parametrize(("inject", "kind", "call", "fix"), FAILURES.values(), ids=FAILURES)
def test_every_control_hub_failure_spares_subscribers_and_is_reported_by_control_hub_commands(
    chat, provider: WebexProvider, admin: AdminApiState, inject: Inject, kind, call, fix
):
    inject(admin)
    errors = [s for s in admin.subscribers.values() if s["status"] == "error"]

    ok, md = chat("status errors")  # a fresh database: the first sync of everything
    assert ok, md
    assert f"— {len(errors)} found" in md and "Control Hub" not in md
    counted = provider.control_hub_failures()
    assert counted["in_a_row"] == 1 and counted["total"] == 1
    assert counted["last"]["kind"] == kind and call in counted["last"]["call"]
    assert counted["by_kind"] == {kind: 1}

    waiting = next(p for p in admin.people.values() if p["invitePending"] is True)
    for number, text in enumerate(("states", "stuck", f"state {waiting['emails'][0]}", "resend")):
        ok, md = chat(text)
        assert not ok, (text, md)
        assert "Control Hub users could not be read" in md and call in md, md
        assert fix.lower() in md.lower(), md
        assert "Sorry, something went wrong" not in md
        assert provider.control_hub_failures()["in_a_row"] == 2 + number

    ok, md = chat("status errors")  # still served: subscribers never wait on Control Hub
    assert ok and f"— {len(errors)} found" in md

    admin.clear_faults()
    ok, md = chat("states")
    assert ok and f"({len(admin.people)} users)" in md
    counted = provider.control_hub_failures()
    assert counted["in_a_row"] == 0 and counted["last"] is None and counted["total"] == 5


def test_a_failure_after_a_good_sync_is_reported_not_hidden_behind_old_users(
    chat, provider: WebexProvider, admin: AdminApiState, clock: ManualClock
):
    ok, md = chat("states")
    assert ok
    admin.fail_next("GET", PEOPLE, 403, times=MANY)
    ok, md = chat("status --refresh errors")  # forces Control Hub too: fails, counted
    assert ok, md
    assert provider.control_hub_failures()["in_a_row"] == 1
    ok, md = chat("states")
    assert not ok and "spark-admin:people_read" in md
    assert "last complete read: 2026-01-15 09:00 UTC" in md


def test_after_a_failure_subscriber_commands_try_control_hub_again_only_now_and_then(
    chat, provider: WebexProvider, admin: AdminApiState, clock: ManualClock
):
    admin.delay_next("GET", PEOPLE, 1.0, times=MANY)  # People times out
    assert chat("status errors")[0]

    def people_calls() -> int:
        return sum(1 for e in admin.exchanges if e.path == "/v1/people")

    before = people_calls()
    clock.advance(timedelta(minutes=6))  # the subscriber snapshot is stale again
    assert chat("status errors")[0]
    assert people_calls() == before  # not waited on again so soon
    ok, md = chat("states")  # a Control Hub command always tries, and says what failed
    assert not ok and "timeout" in md and people_calls() > before
    clock.advance(timedelta(minutes=31))
    before = people_calls()
    assert chat("status errors")[0]
    assert people_calls() > before


def test_a_malformed_page_never_empties_the_stored_users(
    chat, provider: WebexProvider, admin: AdminApiState, database: Database
):
    assert chat("states")[0]
    with database.uow() as uow:
        before = len(uow.org_users.in_states(None))
    admin.fail_next("GET", PEOPLE, 200, times=MANY, headers={}, body={"message": "ok"})
    provider.refresh(force=True)
    with database.uow() as uow:
        assert len(uow.org_users.in_states(None)) == before > 0


# --- as it was seen: `onboard-bot ask` with provider webex ------------------------------------

standin = webex_cli.standin
ask = webex_cli.ask


def test_ask_status_error_with_people_404_answers_and_states_says_what_to_fix(
    ask, standin: webex_cli.StandIn
):
    standin.admin.fail_next("GET", PEOPLE, 404, times=MANY)
    code, out = ask("status error")
    assert code == 0, out
    assert "Sorry, something went wrong" not in out and "🔴" in out
    code, out = ask("states")
    assert code == 1
    assert "`GET /v1/people` answered 404" in out and "spark-admin:people_read" in out


# --- digests: the subscriber part goes out whatever Control Hub does ---------------------------


@pytest.mark.parametrize("stored_before", [False, True], ids=["fresh database", "users stored"])
def test_a_digest_goes_out_when_control_hub_fails(
    provider: WebexProvider,
    database: Database,
    clock: ManualClock,
    admin: AdminApiState,
    stored_before: bool,
):
    from bot.jobs import Outcome, fire_digest
    from onboarding.digest import Content
    from tests.integration.test_digest_webex_sync import _hourly_digest

    service = OnboardingService(database, provider, clock)
    if stored_before:
        service.state_counts()
    fire_at, digest_id = _hourly_digest(database, clock, Content.ALL)
    admin.fail_next("GET", PEOPLE, 503, times=MANY)
    result = fire_digest(database, service, clock, digest_id, fire_at)
    assert result.outcome is Outcome.POSTED and result.report is not None
    errors = sum(1 for s in admin.subscribers.values() if s["status"] == "error")
    assert result.report.summary.by_group[ProvisioningStatus.ERROR.group] == errors
    assert provider.control_hub_failures()["in_a_row"] >= 1
    waiting = [p for p in admin.people.values() if p["invitePending"] is True]
    # The Control Hub users as last stored (none on a fresh database), never made up.
    assert (result.report.not_verified.total > 0) is (stored_before and bool(waiting))
