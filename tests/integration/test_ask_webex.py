"""`onboard-bot ask` with ``provider: webex`` against the one stand-in (messaging + admin APIs).

Every command of the foundation issue runs through click's CliRunner exactly as an operator
would type it; each test checks the reply, the exit code and the requests the stand-in received,
and the fixture validates every exchange against ``webex-broadworks.json``/``webex-admin.json``.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.local.admin_api import AdminApiState, seed_demo
from bot.local.admin_api_state import ALL_SCOPES, SCOPE_BW_READ, SCOPE_PEOPLE_READ
from bot.local.emulator import EmulatorServer, WebexEmulator
from bot.local.emulator_log import Exchange
from bot.settings import ConfigError, load_settings
from onboarding.clock import ManualClock
from onboarding.providers.webex import WebexProvider
from storage.uow import Database
from tests.integration.test_webex_provider import SPECS, _for_spec
from tests.support.specs import check_exchanges, validate_card

TOKEN = "ask-admin-token-4f1c"
ADMIN = "ops@partner.example"
VIEWER = "eve@viewers.example"
CONFIG = f"""\
provider: webex
access:
  admins: [{ADMIN}]
  viewers: ["*@viewers.example"]
"""
_CODE = re.compile(r"`confirm ([A-Z0-9]+)`")


@dataclass
class StandIn:
    """The running stand-in: the admin API state, the messaging emulator, their server."""

    admin: AdminApiState
    emulator: WebexEmulator
    server: EmulatorServer
    seen: int = 0  # requests before this index are left out of calls() (all are spec-checked)

    def mark(self) -> None:
        """Look only at requests received from now on."""
        self.seen = len(self.admin.exchanges)

    def sub(self, status: str, *, with_email: bool = True) -> dict[str, Any]:
        """The first seeded subscriber in ``status`` (with an email when asked)."""
        return next(
            s
            for s in self.admin.subscribers.values()
            if s["status"] == status and (s.get("email") or not with_email)
        )

    def calls(self, method: str | None = None) -> list[Exchange]:
        """Admin-API requests received so far (of one method when given)."""
        recent = self.admin.exchanges[self.seen :]
        return [e for e in recent if method is None or e.method == method]

    def writes(self) -> list[tuple[str, str]]:
        """(method, path) of every request that is not a read."""
        return [(e.method, e.path) for e in self.calls() if e.method != "GET"]


Ask = Callable[..., tuple[int, str]]


@pytest.fixture
def standin() -> Iterator[StandIn]:
    """Messaging emulator with the admin stand-in mounted, seeded with the demo data set."""
    admin = AdminApiState()  # the wall clock, as the CLI's bot uses
    seed_demo(admin)
    admin.add_token(TOKEN)
    emulator = WebexEmulator()
    emulator.add_bot("Onboard", "onboard@webex.bot", token="bot-token")
    server = emulator.start(admin=admin)
    try:
        yield StandIn(admin, emulator, server)
    finally:
        server.stop()
    check_exchanges(_for_spec(admin.exchanges), SPECS)
    # `ask` prints its reply: it never posts through the messaging API.
    assert emulator.exchanges == []


@pytest.fixture
def ask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, standin: StandIn) -> Ask:
    """Run ``onboard-bot ask`` as the admin (or ``as_``); returns (exit code, output)."""
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "app.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("ONBOARD_CONFIG", str(config))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    monkeypatch.setenv("WEBEX_API_URL", standin.server.api_url)
    monkeypatch.setenv("WEBEX_ADMIN_TOKEN", TOKEN)
    runner = CliRunner()

    def invoke(text: str, *extra: str, as_: str = ADMIN) -> tuple[int, str]:
        result = runner.invoke(main, ["ask", "--as", as_, text, *extra], catch_exceptions=False)
        assert "Traceback" not in result.output
        return result.exit_code, result.output

    return invoke


def _confirm_code(out: str) -> str:
    match = _CODE.search(out)
    assert match, out
    return match.group(1)


# --- reading -------------------------------------------------------------------------------


def test_help_lists_the_commands_without_calling_webex(ask: Ask, standin: StandIn) -> None:
    code, out = ask("help")
    assert code == 0
    for name in ("status", "retry", "delete", "package", "error", "export", "template check"):
        assert f"`{name}" in out
    assert standin.calls() == []


def test_status_list_syncs_the_snapshot_and_says_how_fresh_it_is(
    ask: Ask, standin: StandIn
) -> None:
    code, out = ask("status pending")
    assert code == 0
    assert "🔴" in out and "🟡" in out and "· provisioned" not in out
    # In the configured time zone (Europe/Prague by default), which the line does not name.
    assert re.search(r"_Data as of \d{4}-\d\d-\d\d \d\d:\d\d \(just now\)\._", out)
    paths = {e.path for e in standin.calls("GET")}
    assert {"/v1/broadworks/subscribers", "/v1/people"} <= paths
    assert any(p.startswith("/v1/identity/scim/") for p in paths)

    standin.mark()
    code, out = ask("status errors customer acme-cz")
    assert code == 0
    errors = [s for s in standin.admin.subscribers.values() if s["status"] == "error"]
    expected = sum(1 for s in errors if s["spEnterpriseId"] == "acme-cz")
    assert f"— {expected} found" in out and "novlog-cz" not in out
    # Fresh enough: the second command reads the snapshot without asking Webex again.
    assert standin.calls() == []

    code, out = ask("status all provisioned")
    assert code == 0 and "provisioned" in out and "🟢" in out


def test_status_and_error_of_one_user(ask: Ask, standin: StandIn) -> None:
    sub = standin.sub("error")
    code, out = ask(f"status {sub['email']}")
    assert code == 0
    assert sub["userId"] in out and sub["spEnterpriseId"] in out and "Data as of" in out
    code, out = ask(f"error {sub['userId']}")
    assert code == 0
    for item in sub["errors"]:
        assert item["description"] in out and str(item["errorCode"]) in out
    code, out = ask("status nobody@nowhere.example")
    assert code == 1


def test_export_writes_the_filtered_csv(ask: Ask, standin: StandIn, tmp_path: Path) -> None:
    files = tmp_path / "exports"
    code, out = ask("export errors", "--files-dir", str(files))
    assert code == 0
    (path,) = files.glob("*.csv")
    assert str(path) in out
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    wanted = {s["userId"] for s in standin.admin.subscribers.values() if s["status"] == "error"}
    assert len(rows) == len(wanted) and rows


def test_templates_and_template_check_say_where_to_look(ask: Ask, standin: StandIn) -> None:
    code, out = ask("templates")
    assert code == 0
    for customer in {s["spEnterpriseId"] for s in standin.admin.subscribers.values()}:
        assert f"`{customer}`" in out
    code, out = ask("template check acme-cz")
    assert code == 0
    assert "Settings → BroadWorks Calling → View Templates" in out
    assert "User Authentication" in out and "Untrusted emails" in out and "Activation link" in out
    code, out = ask("template check no-such-customer")
    assert code == 1


def test_control_hub_states_stuck_and_explain(ask: Ask, standin: StandIn) -> None:
    # The Control Hub commands sync by themselves on a fresh database.
    code, out = ask("states")
    assert code == 0
    assert f"({len(standin.admin.people)} users)" in out
    assert any(e.path == "/v1/people" for e in standin.calls("GET"))
    waiting = next(p for p in standin.admin.people.values() if p["invitePending"] is True)
    code, out = ask(f"state {waiting['emails'][0]}")
    assert code == 0 and "Not verified" in out
    code, out = ask("stuck")
    assert code == 0 and waiting["emails"][0] in out
    code, out = ask("stuck 10000")
    assert code == 0 and waiting["emails"][0] not in out
    code, out = ask("explain not verified")
    assert code == 0 and "`not_verified`" in out
    code, out = ask("state nobody@nowhere.example")
    assert code == 1


def _person(standin: StandIn, test: Callable[[dict[str, Any]], bool]) -> str:
    return str(next(p for p in standin.admin.people.values() if test(p))["emails"][0])


def test_states_say_what_the_api_cannot_tell(ask: Ask, standin: StandIn) -> None:
    people = standin.admin.people.values()
    # Presence hidden and no activity: no field tells Active from Verified (rule 6).
    hidden = [p for p in people if p["loginEnabled"] is True and "status" not in p]
    assert hidden
    code, out = ask("states")
    assert code == 0
    assert (
        f"❔ {len(hidden)} of them: Active or Verified: the Webex API does not show whether the "
        "user has signed in yet." in out
    )
    assert "- **Delayed claim**: ? —" in out
    assert "❔ Delayed claim cannot be seen through the Webex API" in out
    assert "How the bot knows these states: inferred from Webex fields" in out


@pytest.mark.parametrize(
    ("who", "heading", "known_by"),
    [
        (
            lambda p: p["loginEnabled"] is True and "status" not in p,
            "**Active / Verified**",
            "How the bot knows: cannot be told from the Webex API, because no field shows "
            "whether the user has signed in.",
        ),
        (
            lambda p: p["invitePending"] is True,
            "**Not verified**",
            "How the bot knows: inferred from Webex fields (Cisco documents no mapping), "
            "because the invitation is still pending (`invitePending`).",
        ),
        (
            lambda p: p["loginEnabled"] is False,
            "**Inactive**",
            "How the bot knows: read from Webex, because sign-in is disabled (`loginEnabled` "
            "false).",
        ),
        (
            lambda p: p["loginEnabled"] is True and p.get("lastActivity"),
            "**Active**",
            "How the bot knows: inferred from Webex fields (Cisco documents no mapping), "
            "because the user has been active in Webex.",
        ),
    ],
    ids=["unknown", "not-verified", "inactive", "active"],
)
def test_state_of_a_user_says_how_the_bot_knows(
    ask: Ask, standin: StandIn, who: Callable[[dict[str, Any]], bool], heading: str, known_by: str
) -> None:
    email = _person(standin, who)
    code, out = ask(f"state {email}")
    assert code == 0
    assert out.splitlines()[0].endswith(f"— {heading}")
    assert f"- {known_by}" in out
    unknown = heading == "**Active / Verified**"
    assert ("❔ Active or Verified: the Webex API does not show" in out) is unknown
    active = "Active" in heading
    assert ("❔ Delayed claim cannot be seen through the Webex API" in out) is active


def test_state_cards_carry_the_same_notes_in_czech(
    ask: Ask, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONBOARD_LOCALE", "cs")
    email = _person(standin, lambda p: p["loginEnabled"] is True and "status" not in p)
    for text, wanted in (
        (f"state {email}", ("Aktivní / Ověřeno", "Aktivní nebo Ověřeno: API Webexu", "Jak to bot")),
        ("states", ("z nich: Aktivní nebo Ověřeno", "Odložený nárok přes API", "Jak bot tyto")),
    ):
        code, out = ask(text, "--json")
        assert code == 0
        (body,) = json.loads(out)
        card = body["attachments"][0]["content"]
        validate_card(card)
        shown = json.dumps(card, ensure_ascii=False)
        for words in wanted:
            assert words in body["markdown"] and words in shown


# --- acting --------------------------------------------------------------------------------


def test_retry_prechecks_deletes_and_provisions_again(ask: Ask, standin: StandIn) -> None:
    sub = standin.sub("error")
    ask("status errors")
    standin.mark()

    code, out = ask(f"retry {sub['email']} fresh.start@acme-cz.example")

    assert code == 0, out
    assert "Precheck of fresh.start@acme-cz.example passed" in out and "provisioning" in out
    assert standin.writes() == [
        ("POST", "/v1/broadworks/subscribers/validate"),
        ("DELETE", f"/v1/broadworks/subscribers/{sub['id']}"),
        ("POST", "/v1/broadworks/subscribers"),
    ]
    (new,) = [s for s in standin.admin.subscribers.values() if s["userId"] == sub["userId"]]
    assert new["email"] == "fresh.start@acme-cz.example" and new["id"] != sub["id"]


def test_retry_of_a_user_migration_sends_the_consent_email(ask: Ask, standin: StandIn) -> None:
    sub = standin.sub("pending_user_migration")
    code, out = ask(f"retry {sub['userId']} {sub['email']}")
    assert code == 0, out
    assert "consent email" in out
    assert standin.writes() == [("POST", f"/v1/subscribers/{sub['id']}/emails/consentMove")]
    assert standin.admin.consent_emails == [sub["email"]]


def test_retry_refusals_and_bad_input_exit_1_and_change_nothing(ask: Ask, standin: StandIn) -> None:
    failing = standin.sub("pending_email_validation")
    code, out = ask(f"retry {failing['email']} someone@taken.example")
    assert code == 1
    assert "Precheck of someone@taken.example failed" in out and "10045" in out
    assert standin.writes() == [("POST", "/v1/broadworks/subscribers/validate")]
    assert failing["id"] in standin.admin.subscribers

    standin.mark()
    code, out = ask(f"retry {failing['email']} not-an-email")
    assert code == 1 and "no @ sign" in out
    code, out = ask(f"retry {standin.sub('provisioned')['email']} a@acme-cz.example")
    assert code == 1
    code, out = ask(f"retry {failing['email']} a@acme-cz.example", as_=VIEWER)
    assert code == 1 and "admin" in out.lower()
    assert standin.writes() == []


def test_package_puts_the_new_package(ask: Ask, standin: StandIn) -> None:
    sub = standin.sub("provisioned")
    new = "premium" if sub["package"] != "premium" else "basic"
    code, out = ask(f"package {sub['email']} {new}")
    assert code == 0, out
    (put,) = standin.calls("PUT")
    assert put.path == f"/v1/broadworks/subscribers/{sub['id']}" and put.body == {"package": new}
    assert standin.admin.subscribers[sub["id"]]["package"] == new
    assert "updating" in out

    standin.mark()
    code, out = ask(f"package {sub['email']} {new}")  # the snapshot says updating now
    assert code == 1
    code, out = ask(f"package {sub['email']} gold")
    assert code == 1
    assert standin.writes() == []


def test_delete_waits_for_the_confirmation_then_deletes(ask: Ask, standin: StandIn) -> None:
    sub = standin.sub("error")
    code, out = ask(f"delete {sub['email']}")
    assert code == 0
    code_word = _confirm_code(out)
    assert standin.writes() == []

    code, out = ask(f"confirm {code_word}", as_=VIEWER)
    assert code == 1 and standin.writes() == []
    code, out = ask(f"confirm {code_word}")

    assert code == 0, out
    assert standin.writes() == [("DELETE", f"/v1/broadworks/subscribers/{sub['id']}")]
    assert sub["id"] not in standin.admin.subscribers
    code, out = ask(f"status {sub['email']}")
    assert code == 1
    code, out = ask(f"confirm {code_word}")  # used up
    assert code == 1


def test_resend_one_user_starts_the_org_job_and_says_so(ask: Ask, standin: StandIn) -> None:
    waiting = [p for p in standin.admin.people.values() if p["invitePending"] is True]
    code, out = ask(f"resend {waiting[0]['emails'][0]}")
    assert code == 0, out
    assert "started re-sending activation emails" in out
    assert f"every user still waiting for activation ({len(waiting)})" in out
    (post,) = standin.calls("POST")
    assert post.path.endswith("/jobs/sendActivationEmails")

    active = next(p for p in standin.admin.people.values() if p["invitePending"] is False)
    code, out = ask(f"resend {active['emails'][0]}")
    assert code == 1 and len(standin.calls("POST")) == 1


def test_resend_to_everyone_asks_to_confirm(ask: Ask, standin: StandIn) -> None:
    code, out = ask("resend")
    assert code == 0 and not standin.calls("POST")
    code, out = ask(f"confirm {_confirm_code(out)}")
    assert code == 0, out
    assert [e.path.rsplit("/", 1)[-1] for e in standin.calls("POST")] == ["sendActivationEmails"]


# --- credentials ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("missing", "token", "command"),
    [
        (SCOPE_BW_READ, "no-broadworks", "status pending"),
        (SCOPE_PEOPLE_READ, "no-people", "states"),
    ],
)
def test_a_missing_scope_is_named_with_exit_1(
    ask: Ask,
    standin: StandIn,
    monkeypatch: pytest.MonkeyPatch,
    missing: str,
    token: str,
    command: str,
) -> None:
    standin.admin.add_token(token, scopes=ALL_SCOPES - {missing})
    monkeypatch.setenv("WEBEX_ADMIN_TOKEN", token)
    code, out = ask(command)
    assert code == 1
    assert f"`{missing}`" in out and "403" in out
    assert token not in out


def test_subscribers_are_served_without_the_people_scopes(
    ask: Ask, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    standin.admin.add_token("subs-only", scopes=ALL_SCOPES - {SCOPE_PEOPLE_READ})
    monkeypatch.setenv("WEBEX_ADMIN_TOKEN", "subs-only")
    code, out = ask("status pending")
    assert code == 0, out
    code, out = ask("states")
    assert code == 1 and f"`{SCOPE_PEOPLE_READ}`" in out


def test_an_unknown_token_is_a_401_naming_the_scope(
    ask: Ask, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBEX_ADMIN_TOKEN", "revoked-token-77")
    code, out = ask("status pending")
    assert code == 1
    assert "401" in out and f"`{SCOPE_BW_READ}`" in out and "revoked-token-77" not in out


# --- configuration -------------------------------------------------------------------------


def test_app_yaml_keys_reach_the_provider(
    tmp_path: Path, sqlite_database: Database, clock: ManualClock
) -> None:
    config = tmp_path / "app.yaml"
    config.write_text(
        CONFIG + "webex:\n  org_id: org-1\n  control_hub: false\n"
        "sync:\n  freshness_seconds: 60\n  full_sync_hours: 6\n  max_wait_seconds: 5\n",
        encoding="utf-8",
    )
    settings = load_settings(config, env={"WEBEX_ADMIN_TOKEN": TOKEN})
    provider = WebexProvider.from_settings(settings, sqlite_database, clock)
    assert provider.org_id() == "org-1" and provider.control_hub is False
    assert provider.full_sync_every == timedelta(hours=6)
    assert provider.freshness_window == timedelta(seconds=60)
    assert provider.http.policy.max_wait == 5
    config.write_text(CONFIG + "sync:\n  full_sync_hour: 6\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sync\.full_sync_hour: unknown key"):
        load_settings(config, env={})


def test_control_hub_off_reads_subscribers_only(ask: Ask, standin: StandIn, tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(CONFIG + "webex:\n  control_hub: false\n", encoding="utf-8")
    code, _ = ask("status pending")
    assert code == 0
    assert {e.path for e in standin.calls()} <= {
        "/v1/broadworks/subscribers",
        "/v1/broadworks/enterprises",
    }
