"""Chat transcripts over real storage: every command, its roles, confirmations and replies.

The provider is a small double over the snapshot tables, so every name and status is known;
``test_commands_sandbox.py`` runs a few of the same commands over the real sandbox.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.acl import AccessPolicy
from bot.bootstrap import Bot, build_bot
from bot.settings import AccessSettings, Settings
from commands.views import ConfirmView
from onboarding.clock import ManualClock
from onboarding.mapping import org_user_to_row, subscriber_from_row
from onboarding.model import (
    ControlHubState,
    Customer,
    OrgUser,
    Package,
    Subscriber,
)
from onboarding.providers.base import ActionOutcome, Step, SyncReport, TemplateReport
from storage.models import CustomerRow, SubscriberRow
from storage.uow import Database
from tests.support.chat import Chat, Said

ADMIN = "admin@partner.example"
SUPPORT = "support@partner.example"
VIEWER = "viewer@partner.example"
EVIL_ERROR = (
    "Email `x` is owned by <@personEmail:boss@example.com> *now*\n"
    "see [help](http://evil.example) ```end```"
)


class DoubleProvider:
    """Just enough of a provider: acts on the snapshot rows and records what it was asked."""

    name = "double"

    def __init__(self, db: Database, clock: ManualClock) -> None:
        self.db = db
        self.clock = clock
        self.resent: list[list[str]] = []

    def refresh(self, *, force: bool = False) -> SyncReport:
        return SyncReport(fresh_as_of=self.clock.now())

    def refresh_org_users(self, *, force: bool = False) -> SyncReport:
        return self.refresh(force=force)

    def freshness(self) -> datetime | None:
        return self.clock.now()

    def _update(self, sub: Subscriber, **values: object) -> Subscriber:
        with self.db.uow() as uow:
            row = uow.subscribers.get(sub.id)
            assert row is not None
            for key, value in values.items():
                setattr(row, key, value)
            row.last_status_change = self.clock.now()
            uow.commit()
            row = uow.subscribers.get(sub.id)
            assert row is not None
            return subscriber_from_row(row)

    def retry_activation(self, subscriber: Subscriber, email: str) -> ActionOutcome:
        after = self._update(subscriber, email=email, status="pending_email_validation", errors=[])
        return ActionOutcome(True, (Step("advice.waiting_for_validation"),), after)

    def delete_subscriber(self, subscriber: Subscriber) -> ActionOutcome:
        with self.db.uow() as uow:
            uow.subscribers.delete(subscriber.id)
            uow.commit()
        return ActionOutcome(True, ())

    def change_package(self, subscriber: Subscriber, package: Package) -> ActionOutcome:
        after = self._update(subscriber, package=package.value)
        return ActionOutcome(True, (), after)

    def template(self, customer: Customer) -> TemplateReport:
        return TemplateReport(
            customer,
            known=True,
            untrusted_emails_ok=bool(customer.untrusted_emails),
            share_link_ok=customer.share_link == "activation",
        )

    def resend_invitations(self, users: Sequence[OrgUser]) -> ActionOutcome:
        self.resent.append([u.email for u in users])
        return ActionOutcome(True, ())


def _sub(
    sid: str, user_id: str, customer: str, status: str, now: datetime, **kw: object
) -> SubscriberRow:
    values: dict[str, object] = {
        "first_name": "Jana",
        "last_name": "Nováková",
        "package": "basic",
        "email": None,
        "errors": [],
        "created": now - timedelta(days=3),
        "last_status_change": now - timedelta(hours=1),
        "self_activated": False,
    }
    values.update(kw)
    return SubscriberRow(id=sid, user_id=user_id, customer_id=customer, status=status, **values)


def seed(db: Database, now: datetime) -> None:
    """Two customers, five subscribers, four Control Hub users."""
    with db.uow() as uow:
        uow.customers.add(
            CustomerRow(id="acme", name="Acme", untrusted_emails=True, share_link="activation")
        )
        uow.customers.add(
            CustomerRow(id="badco", name="Bad Co", untrusted_emails=False, share_link="custom")
        )
        uow.subscribers.add(
            _sub(
                "s-err",
                "420111",
                "acme",
                "error",
                now,
                first_name="Erik",
                last_name="Chyba",
                email="erik@acme.example",
                errors=[{"code": 10061, "description": EVIL_ERROR}],
            )
        )
        uow.subscribers.add(
            _sub("s-pend", "420222", "acme", "pending_email_input", now, first_name="Petra")
        )
        uow.subscribers.add(
            _sub(
                "s-prov",
                "420333",
                "acme",
                "provisioned",
                now,
                first_name="Pavel",
                last_name="Zřízený",
                email="pavel@acme.example",
                package="premium",
            )
        )
        uow.subscribers.add(
            _sub(
                "s-flight",
                "420444",
                "acme",
                "provisioning",
                now,
                first_name="Filip",
                email="filip@acme.example",
            )
        )
        uow.subscribers.add(
            _sub(
                "s-bad",
                "420555",
                "badco",
                "error",
                now,
                first_name="Bára",
                email="bara@bad.example",
                errors=[{"code": 1, "description": "Template does not allow untrusted emails."}],
            )
        )
        for uid, email, state, days, extra in (
            ("u-nv1", "nv1@acme.example", ControlHubState.NOT_VERIFIED, 20, {}),
            ("u-nv2", "nv2@acme.example", ControlHubState.NOT_VERIFIED, 10, {}),
            ("u-act", "act@acme.example", ControlHubState.ACTIVE, 30, {}),
            ("u-dc", "dc@acme.example", ControlHubState.DELAYED_CLAIM, 13, {}),
        ):
            since = now - timedelta(days=days)
            how = {
                ControlHubState.NOT_VERIFIED: "added_domain_not_verified",
                ControlHubState.ACTIVE: "first_sign_in",
                ControlHubState.DELAYED_CLAIM: "claimed_delayed",
            }[state]
            user = OrgUser(uid, email, f"User {uid}", state, since, since, how=how, **extra)
            uow.org_users.add(org_user_to_row(user))
        uow.commit()


ACCESS = AccessSettings(admins=(ADMIN,), support=(SUPPORT,), viewers=("*@partner.example",))


@pytest.fixture
def chat_bot(database: Database, clock: ManualClock, tmp_path: Path) -> Bot:
    """The bot over the seeded snapshot with the double provider; one person per role."""
    seed(database, clock.now())
    settings = Settings(access=ACCESS, files_dir=tmp_path / "files", commands_per_minute=1000)
    return build_bot(
        settings, db=database, clock=clock, provider=DoubleProvider(database, clock), migrate=False
    )


@pytest.fixture
def chat(chat_bot: Bot) -> Chat:
    """An admin in a group space (no org allow-list here)."""
    return Chat(chat_bot, who=ADMIN, org=None)


def code_of(said: Said) -> str:
    assert isinstance(said.reply.view, ConfirmView), said.markdown
    return said.reply.view.code


def subscriber_ids(db: Database) -> set[str]:
    with db.uow() as uow:
        return set(uow.session.scalars(sa.select(SubscriberRow.id)))


# --- help and roles ----------------------------------------------------------------------------


def test_help_lists_every_command_for_an_admin(chat):
    md = chat.say("help").markdown
    for usage in ("`retry <user> <email>`", "`delete <user>`", "`status [filters…]`", "`states`"):
        assert usage in md


def test_help_hides_what_a_viewer_may_not_run(chat):
    md = chat.say("help", who=VIEWER).markdown
    assert "`status [filters…]`" in md and "`explain <state…>`" in md
    for hidden in ("`retry", "`delete", "`package", "`resend", "`error", "`export"):
        assert hidden not in md
    assert re.search(r"_\d+ more commands need a higher role\._", md)


def test_help_for_one_command_says_the_role_it_needs(chat):
    md = chat.say("help delete", who=VIEWER).markdown
    assert "`delete <user>`" in md and "Needs the admin role, which you do not have." in md
    md = chat.say("help status").markdown
    assert "Filters:" in md and "*Exclude provisioned users*" in md


def test_help_for_an_unknown_command_suggests(chat):
    said = chat.say("help stauts")
    assert not said.ok and "`status`" in said.markdown


def test_a_refused_command_names_the_role_it_needs(chat):
    said = chat.say("delete 420111", who=SUPPORT)
    assert not said.ok
    assert "`delete` needs the admin role; yours is support." in said.markdown
    assert subscriber_ids(chat.bot.db) >= {"s-err"}


def test_mention_and_case_are_ignored(chat):
    assert "Erik" in chat.say("Onboard STATUS errors").markdown
    assert "Erik" in chat.say("@Onboard: status errors").markdown


def test_unknown_command_suggests_the_right_one(chat):
    said = chat.say("pakage x")
    assert not said.ok
    assert "I don't know the command `pakage`." in said.markdown
    assert "Did you mean `package`?" in said.markdown


def test_empty_message_gets_help(chat):
    assert "What I can do for you" in chat.say("Onboard").markdown


# --- status -----------------------------------------------------------------------------------


def test_status_pending_lists_pending_and_errors_but_not_provisioned(chat):
    md = chat.say("status pending").markdown
    assert "Erik" in md and "Petra" in md and "Bára" in md and "Filip" in md
    assert "Pavel" not in md


def test_status_default_excludes_provisioned(chat):
    md = chat.say("status").markdown
    assert "Pavel" not in md and "Erik" in md
    assert "Exclude provisioned users: on" in md


def test_status_all_and_provisioned(chat):
    md = chat.say("status all").markdown
    for name in ("Erik", "Petra", "Pavel", "Filip", "Bára"):
        assert name in md
    assert "5 found" in md
    md = chat.say("status provisioned").markdown
    assert "Pavel" in md and "Erik" not in md


def test_status_filters(chat):
    md = chat.say("status errors customer=badco").markdown
    assert "Bára" in md and "Erik" not in md
    md = chat.say("status all customer acme package premium").markdown
    assert "Pavel" in md and "1 found" in md
    md = chat.say("status pending_email_input").markdown
    assert "Petra" in md and "Erik" not in md
    md = chat.say("status search Filip").markdown
    assert "Filip" in md and "Erik" not in md


def test_status_pages(chat):
    chat.bot.page_size = 2
    md = chat.say("status all").markdown
    assert "page 1/3" in md and "Next page: `status all page 2`" in md
    md = chat.say("status all page 3").markdown
    assert "page 3/3" in md and "Next page" not in md
    md = chat.say("status all page 9").markdown
    assert "Page 9 is empty; there are 3 pages." in md


def test_unknown_package_lists_valid_ones(chat):
    said = chat.say("status package premum")
    assert not said.ok
    assert "`premum` is not a valid package. Valid: softphone, basic, standard, premium." in (
        said.markdown
    )
    assert "Did you mean `premium`?" in said.markdown


def test_status_of_one_user_by_email_broadworks_id_or_id(chat):
    for ref in ("erik@acme.example", "ERIK@acme.example", "420111", "s-err"):
        md = chat.say(f"status {ref}").markdown
        assert "**Erik Chyba** — error" in md
        assert "Error codes: 10061 (full text: `error erik@acme.example`)" in md
        assert "`retry erik@acme.example <email>`" in md


def test_status_of_an_unknown_email_is_not_found_but_a_word_is_a_search(chat):
    said = chat.say("status nobody@acme.example")
    assert not said.ok and "No user matches `nobody@acme.example`." in said.markdown
    said = chat.say("status Nováková")
    assert said.ok and "Petra" in said.markdown


def test_status_detail_offers_only_allowed_actions(chat):
    md = chat.say("status 420111", who=VIEWER).markdown
    assert "`retry" not in md and "`delete" not in md
    md = chat.say("status 420111", who=SUPPORT).markdown
    assert "`error erik@acme.example`" in md and "`delete" not in md


# --- users: retry, package, error, delete -------------------------------------------------------


def test_retry_with_a_bad_email_says_what_is_wrong(chat):
    said = chat.say("retry 420111 not-an-email")
    assert not said.ok
    assert "`not-an-email` is not an email address: it has no @ sign." in said.markdown
    assert "Usage: `retry <user> <email>`" in said.markdown


def test_retry_onboards_again(chat):
    said = chat.say("retry 420111 erik.new@acme.example")
    assert said.ok, said.markdown
    assert "**Retry activation** `420111`: done" in said.markdown
    assert "waiting for email validation" in said.markdown


def test_retry_of_a_provisioned_user_is_refused(chat):
    said = chat.say("retry 420333 pavel@acme.example")
    assert not said.ok and "already provisioned" in said.markdown


def test_package_change(chat):
    said = chat.say("package 420111 Premium")
    assert said.ok and "**Change package type** `420111`: done" in said.markdown
    said = chat.say("package 420111 premum")
    assert not said.ok and "Valid: softphone, basic, standard, premium" in said.markdown
    said = chat.say("package 420333 premium")
    assert not said.ok and "already has the premium package" in said.markdown


def test_error_text_is_verbatim_in_a_code_block(chat):
    said = chat.say("error 420111", who=SUPPORT)
    assert said.ok
    assert f"````\n{EVIL_ERROR}\n````" in said.markdown
    assert "Error codes: 10061" in said.markdown
    # The advice fits the code (an expired validation), not the template (issue 9, point 9).
    assert "> Code 10061: the user did not confirm the email in time" in said.markdown
    assert "`template check acme`" not in said.markdown
    assert not chat.say("error 420111", who=VIEWER).ok


def test_error_of_a_user_without_errors(chat):
    md = chat.say("error 420222").markdown
    assert "No error is recorded; the status is pending request" in md


def test_delete_asks_then_confirm_deletes(chat):
    asked = chat.say("delete erik@acme.example")
    assert asked.ok and "**Delete user** `erik@acme.example`? This cannot be undone." in (
        asked.markdown
    )
    code = code_of(asked)
    assert f"`confirm {code}` by 2026-01-15 10:10" in asked.markdown  # 09:10 UTC, in Prague
    assert "s-err" in subscriber_ids(chat.bot.db)
    done = chat.say(f"confirm {code.lower()}")
    assert done.ok and "**Delete user** `erik@acme.example`: done" in done.markdown
    assert "s-err" not in subscriber_ids(chat.bot.db)


def test_someone_elses_code_does_nothing(chat):
    code = code_of(chat.say("delete 420111"))
    said = chat.say(f"confirm {code}", who="other@partner.example")
    assert not said.ok and "belongs to someone else's request" in said.markdown
    assert "s-err" in subscriber_ids(chat.bot.db)
    assert chat.say(f"confirm {code}").ok  # still valid for its owner


def test_a_used_code_does_nothing(chat):
    code = code_of(chat.say("delete 420111"))
    assert chat.say(f"confirm {code}").ok
    said = chat.say(f"confirm {code}")
    assert not said.ok and "has already been used" in said.markdown


def test_an_expired_code_does_nothing(chat):
    code = code_of(chat.say("delete 420111"))
    chat.bot.clock.advance(timedelta(minutes=10))
    said = chat.say(f"confirm {code}")
    assert not said.ok and "has expired" in said.markdown and "`delete s-err`" in said.markdown
    assert "s-err" in subscriber_ids(chat.bot.db)


def test_the_confirmation_lifetime_comes_from_the_context(chat):
    chat.bot.settings = chat.bot.settings.model_copy(update={"confirmation_minutes": 1})
    code = code_of(chat.say("delete 420111"))
    chat.bot.clock.advance(timedelta(seconds=61))
    assert "has expired" in chat.say(f"confirm {code}").markdown


def test_unknown_and_malformed_codes(chat):
    assert "no confirmation with the code `ZZZZZZ`" in chat.say("confirm ZZZZZZ").markdown
    said = chat.say("confirm ***")
    assert not said.ok and "is not a confirmation code" in said.markdown


def test_cancel_drops_a_confirmation(chat):
    code = code_of(chat.say("delete 420111"))
    said = chat.say(f"cancel {code}")
    assert said.ok and "Cancelled" in said.markdown
    assert "already been used" in chat.say(f"confirm {code}").markdown
    assert "s-err" in subscriber_ids(chat.bot.db)


def test_confirming_needs_the_actions_role(chat):
    code = code_of(chat.say("delete 420111"))
    # app.yaml changed since the code was issued: the admin is a viewer now.
    chat.bot.access = AccessPolicy(AccessSettings(viewers=("*@partner.example",)))
    said = chat.say(f"confirm {code}")
    assert not said.ok and "needs a role you do not have now" in said.markdown
    assert "s-err" in subscriber_ids(chat.bot.db)


def test_delete_of_a_user_being_provisioned_is_refused(chat):
    said = chat.say("delete 420444")
    assert not said.ok and "wait until Webex has finished" in said.markdown


# --- export ------------------------------------------------------------------------------------


def test_export_all_writes_the_csv(chat):
    said = chat.say("export all --plain", who=SUPPORT)  # for scripts: the machine column names
    assert said.ok and said.reply.file is not None
    path = said.reply.file.path
    assert re.fullmatch(r"onboard-export-\d{8}T\d{6}Z\.csv", path.name)
    assert path.parent == chat.bot.files_dir
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == (
        "broadworks_id,email,first_name,last_name,customer,package,status,status_group,"
        "error_code,error_text,last_status_change"
    )
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert len(rows) == 5
    erik = next(r for r in rows if r["broadworks_id"] == "420111")
    assert erik["error_text"] == EVIL_ERROR and erik["status_group"] == "error"
    assert "5 users written to `onboard-export-" in said.markdown


def test_export_default_excludes_provisioned_and_names_are_unique(chat):
    first = chat.say("export --plain")
    second = chat.say("export errors")
    assert first.reply.file is not None and second.reply.file is not None
    assert first.reply.file.path != second.reply.file.path
    rows = list(csv.DictReader(first.reply.file.path.open(encoding="utf-8")))
    assert {r["broadworks_id"] for r in rows} == {"420111", "420222", "420444", "420555"}
    assert not chat.say("export", who=VIEWER).ok


# --- templates ---------------------------------------------------------------------------------


def test_templates(chat):
    md = chat.say("templates").markdown
    assert "**Acme** (`acme`)" in md and "✅ template OK" in md
    assert "**Bad Co** (`badco`)" in md and "❌ template needs fixing" in md


def test_template_check(chat):
    md = chat.say("template check badco").markdown
    assert "*Untrusted emails* is not checked" in md and "View Templates" in md
    assert "Users can activate themselves" in chat.say("template acme").markdown
    said = chat.say("template check nope")
    assert not said.ok and "Known customers: acme, badco." in said.markdown


# --- Control Hub states ------------------------------------------------------------------------


def test_states(chat):
    md = chat.say("states").markdown
    assert "**Not verified**: 2" in md and "**Active**: 1" in md and "**Delayed claim**: 1" in md


def test_state_of_a_user(chat):
    md = chat.say("state dc@acme.example").markdown
    assert "**Delayed claim**" in md and "1 day left" in md
    assert not chat.say("state nobody@acme.example").ok


def test_stuck(chat):
    md = chat.say("stuck").markdown
    assert "nv1@acme.example" in md and "nv2@acme.example" in md and "dc@acme.example" in md
    md = chat.say("stuck 15").markdown
    assert "nv1@acme.example" in md and "nv2@acme.example" not in md
    assert not chat.say("stuck -1").ok


@pytest.mark.parametrize("name", ["not verified", "neověřeno", "Not_Verified", "NEOVERENO"])
def test_explain_not_verified(chat, name):
    md = chat.say(f"explain {name}").markdown
    assert "**Not verified** (`not_verified`)" in md and "Re-send the email invitation" in md


def test_explain_delayed_claim_in_both_languages(chat):
    assert "**Delayed claim**" in chat.say("explain delayed claim").markdown
    assert "**Odložený nárok**" in chat.say("explain odložený nárok").markdown_in("cs")
    said = chat.say("explain frozen")
    assert not said.ok and "Not verified" in said.markdown


def test_resend_to_one_user_is_immediate(chat):
    said = chat.say("resend nv1@acme.example")
    assert said.ok and chat.bot.provider.resent == [["nv1@acme.example"]]


def test_resend_to_several_asks_first(chat):
    asked = chat.say("resend")
    assert "to 2 users" in asked.markdown and chat.bot.provider.resent == []
    assert chat.say(f"confirm {code_of(asked)}").ok
    assert chat.bot.provider.resent == [["nv1@acme.example", "nv2@acme.example"]]


def test_resend_refuses_users_who_are_not_unverified(chat):
    said = chat.say("resend act@acme.example nv1@acme.example")
    assert not said.ok and "act@acme.example" in said.markdown
    assert not chat.say("resend", who=SUPPORT).ok
    assert chat.bot.provider.resent == []  # refused: nobody was sent anything, not even nv1


# --- card actions ------------------------------------------------------------------------------


def test_card_actions_run_the_same_handlers(chat):
    said = chat.click("user.retry", {"action": "user.retry", "user": "420111", "email": "nope"})
    assert not said.ok and "it has no @ sign" in said.markdown
    said = chat.click("user.delete", {"user": "420111"})
    code = code_of(said)
    assert chat.click("confirm", {"code": code}).ok
    assert "s-err" not in subscriber_ids(chat.bot.db)
    assert "**Erik" not in chat.click("status.list", {"filters": "all"}).markdown
    assert "Petra" in chat.click("user.status", {"user": "420222"}).markdown


def test_card_actions_check_roles_and_names(chat):
    said = chat.click("user.delete", {"user": "420111"}, who=VIEWER)
    assert not said.ok and "needs the admin role" in said.markdown
    said = chat.click("user.frobnicate", {})
    assert not said.ok and "`user.frobnicate`" in said.markdown


# --- replies: size, escaping, locales ---------------------------------------------------------


def test_markdown_stays_under_the_webex_limit(chat):
    now = chat.bot.clock.now()
    with chat.bot.db.uow() as uow:
        for i in range(150):
            uow.subscribers.add(
                _sub(
                    f"bulk-{i:03d}",
                    f"4209{i:05d}",
                    "acme",
                    "error",
                    now,
                    first_name="Maximilián" * 3,
                    last_name=f"Dlouhé-Příjmení-{i}",
                    email=f"maximilian.{i}@dlouha-domena-zakaznika.example",
                    errors=[{"code": 1, "description": "ř" * 20000}],
                )
            )
        uow.commit()
    chat.bot.page_size = 100
    said = chat.say("status errors")
    assert len(said.markdown.encode("utf-8")) <= 7439
    assert re.search(r"…and \d+ more — use `export` for the whole list\.", said.markdown)
    said = chat.say("error 420900000")
    assert len(said.markdown.encode("utf-8")) <= 7439
    assert "The text is cut here" in said.markdown and said.markdown.count("```") == 2


def test_provider_data_cannot_inject_markdown_or_mentions(chat):
    now = chat.bot.clock.now()
    with chat.bot.db.uow() as uow:
        uow.subscribers.add(
            _sub(
                "s-evil",
                "420666",
                "acme",
                "error",
                now,
                first_name="*Bold* <@all>",
                last_name="[click](http://evil.example) `tick`",
                email="evil_user@acme.example",
            )
        )
        uow.commit()
    md = chat.say("status 420666").markdown
    assert not re.search(r"(?<!\\)<@", md) and "\\<@all\\>" in md
    assert "\\*Bold\\*" in md and "\\[click\\]" in md and "http://" not in md
    assert "evil\\_user@acme.example" in md
    md = chat.say("status search `tick`").markdown
    assert not re.search(r"(?<!\\)<@", md) and "matching `ˋtickˋ`" in md


@pytest.mark.parametrize("locale", ["en", "cs"])
def test_every_command_renders_in_both_locales(chat, locale):
    texts = [
        "help",
        "help status",
        "status",
        "status all page 2",
        "status 420111",
        "error 420111",
        "error 420222",
        "retry 420111 bad",
        "package 420222 premium",
        "export",
        "templates",
        "template check badco",
        "states",
        "state dc@acme.example",
        "state nv1@acme.example",
        "stuck",
        "explain delayed claim",
        "resend",
        "delete 420555",
        "pakage",
        "status pendign",
        "nope",
    ]
    for text in texts:
        md = chat.say(text).markdown_in(locale)
        assert md.strip()
        assert not re.search(r"\{[a-z_]+\}", md), (text, md)
    code = code_of(chat.say("delete 420333"))
    assert chat.say(f"confirm {code}").ok


def test_czech_uses_partner_hubs_words(chat):
    assert "chyba" in chat.say("status errors").markdown_in("cs")
    assert "nevyřízený požadavek" in chat.say("status 420222").markdown_in("cs")
    assert "**Odstranit uživatele**" in chat.say("delete 420111").markdown_in("cs")
    assert "**Opakovat aktivaci**" in chat.say("retry 420111 e@acme.example").markdown_in("cs")
    assert "**Změnit typ balíčku**" in chat.say("package 420555 premium").markdown_in("cs")
    assert "**Kopírovat text chyby**" in chat.say("error 420555").markdown_in("cs")
    assert "Vyloučit zřízené uživatele: zapnuto" in chat.say("status").markdown_in("cs")
    assert "zřízen" in chat.say("status provisioned").markdown_in("cs")
