"""Advice fits the error (issue 9, point 9).

Seen as: every error got "Check the customer's template first", even 10102 (the BroadWorks
cluster did not respond). Driven as it was seen, by ``status <user>`` and ``error <user>`` over
the sandbox's demo data, in English and Czech, markdown and cards; the table behind the tips
(``onboarding/error_codes.toml``) is checked against error-codes.md and the catalog.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path

import pytest

from bot.cards import render_card, render_markdown
from commands.registry import Role
from commands.runner import run_text
from i18n import LOCALES, t
from onboarding.clock import ManualClock
from onboarding.demo_data import ERROR_WEIGHTS
from onboarding.error_knowledge import (
    CodeKind,
    KnowledgeError,
    NextAction,
    Retry,
    knowledge,
    lookup,
    parse,
)
from onboarding.mapping import errors_to_json, subscriber_from_row
from onboarding.model import ProvisioningError, ProvisioningStatus
from onboarding.service import OnboardingService
from storage.repositories import SubscriberFilter
from storage.uow import Database
from tests.support.commands import command_context, demo_service

REPO = Path(__file__).parents[2]
_SPECS = os.environ.get("ONBOARD_SPECS_DIR")
ERROR_CODES_MD = (
    (Path(_SPECS).parent if _SPECS else REPO.parent / "shared") / "docs" / "error-codes.md"
)


@pytest.fixture
def service(database: Database, clock: ManualClock) -> OnboardingService:
    return demo_service(database, clock)


@pytest.fixture
def ask(service: OnboardingService, database: Database, clock: ManualClock, tmp_path: Path):
    """Type a command as a support user, as in test_commands_sandbox; returns the reply."""

    def say(text: str, locale: str = "en"):
        with database.uow() as uow:
            ctx = command_context(
                uow,
                service,
                database,
                clock,
                tmp_path,
                email="support@partner.example",
                role=Role.SUPPORT,
                locale=locale,
            )
            reply = run_text(text, ctx).reply
            uow.commit()
        return reply

    return say


def _in(status: ProvisioningStatus) -> SubscriberFilter:
    return SubscriberFilter(statuses=frozenset({status.value}))


def _users_by_code(service: OnboardingService) -> dict[int, str]:
    """One demo subscriber in error per error code (its BroadWorks ID)."""
    found: dict[int, str] = {}
    with service.db.uow() as uow:
        for row in uow.subscribers.stream(_in(ProvisioningStatus.ERROR)):
            for error in subscriber_from_row(row).errors:
                found.setdefault(error.code, row.user_id)
    return found


def _tips(markdown: str) -> list[str]:
    return [line[2:] for line in markdown.splitlines() if line.startswith("> ")]


def test_the_demo_data_shows_every_code_it_uses(service: OnboardingService):
    assert set(_users_by_code(service)) == {e.code for e in ERROR_WEIGHTS}


@pytest.mark.parametrize("locale", LOCALES)
def test_10102_gets_retry_later_advice_and_no_template_advice(ask, service, locale):
    user = _users_by_code(service)[10102]
    for command in (f"status {user}", f"error {user}"):
        reply = ask(command, locale)
        assert reply.ok
        tips = _tips(render_markdown(reply.view, locale))
        assert tips == [t("errcode.10102.tip", locale)], tips
        for template_advice in ("advice.check_template", "advice.template_first"):
            head = t(template_advice, locale, customer="x").split("`")[0]
            assert all(not tip.startswith(head) for tip in tips)


@pytest.mark.parametrize("locale", LOCALES)
def test_template_advice_only_for_codes_whose_fix_is_in_the_template(ask, service, locale):
    for code, user in _users_by_code(service).items():
        known = lookup(code)
        assert known is not None, code
        tips = _tips(render_markdown(ask(f"status {user}", locale).view, locale))
        template_tip = t("advice.template_first", locale, customer="x").split("`")[0]
        says_template_first = any(tip.startswith(template_tip) for tip in tips)
        assert says_template_first is known.concerns_template, (code, tips)
        assert t("advice.check_template", locale, customer="x").split("`")[0] not in "".join(tips)
        assert tips[-1] == t(known.tip_key, locale, customer=""), (code, tips)


def test_each_code_has_its_own_tip(ask, service):
    seen: dict[str, int] = {}
    for code, user in _users_by_code(service).items():
        tip = _tips(render_markdown(ask(f"error {user}").view, "en"))[-1]
        assert tip not in seen, (code, seen.get(tip))
        assert str(code) in tip
        seen[tip] = code


def test_an_unknown_code_gets_a_plain_no_advice(ask, service):
    user = _users_by_code(service)[10102]
    with service.db.uow() as uow:
        (row,) = uow.subscribers.find(user)
        row.errors = errors_to_json(
            (
                ProvisioningError(99999, "Something new."),
                ProvisioningError(10102, "The cluster did not respond."),
            )
        )
        uow.commit()
    md = render_markdown(ask(f"status {user}").view, "en")
    assert _tips(md) == [
        "No advice is known for error code 99999; the error text from Webex is all the bot has.",
        t("errcode.10102.tip", "en"),
    ]
    cs = render_markdown(ask(f"error {user}", "cs").view, "cs")
    assert "Pro kód chyby 99999 není známá žádná rada" in cs


def test_the_detail_card_shows_the_same_tips(ask, service):
    user = _users_by_code(service)[10074]
    card = render_card(ask(f"status {user}").view, "en")
    text = json.dumps(card, ensure_ascii=False)
    assert "This error concerns the customer's template" in text
    assert "Code 10074" in text and "Check the customer's template first" not in text


def test_paused_users_keep_their_status_advice(ask, service):
    with service.db.uow() as uow:
        user = next(iter(uow.subscribers.stream(_in(ProvisioningStatus.PENDING_EMAIL_INPUT))))
        user_id = user.user_id
    tips = _tips(render_markdown(ask(f"status {user_id}").view, "en"))
    assert tips == [t("advice.waiting_for_email", "en")]


# --- the table itself ------------------------------------------------------------------------


def test_lookup_by_code_gives_an_advice_record():
    cluster = lookup(10102)
    assert cluster is not None
    assert cluster.kind is CodeKind.PROVISIONING and cluster.retry is Retry.RETRY_LATER
    assert cluster.next_action is NextAction.RETRY_SAME_EMAIL and not cluster.concerns_template
    assert cluster.origin == "sandbox" and "SANDBOX" in cluster.sources
    assert set(cluster.meaning) == set(cluster.tip) == set(LOCALES)
    assert lookup(10022) is not None and lookup(10022).origin == "cisco"  # type: ignore[union-attr]
    assert lookup(424242) is None


def test_every_entry_is_in_the_catalog_and_cites_known_sources():
    table = knowledge()
    for advice in table.codes.values():
        for locale in LOCALES:
            assert t(advice.meaning_key, locale) == advice.meaning[locale]
            assert t(advice.tip_key, locale).startswith(advice.tip[locale][:20])
        assert set(advice.sources) <= set(table.sources)


@pytest.mark.skipif(not ERROR_CODES_MD.exists(), reason="shared docs not here")
def test_every_code_error_codes_md_documents_is_in_the_table():
    text = ERROR_CODES_MD.read_text(encoding="utf-8")
    documented = {int(c) for c in re.findall(r"^\| (\d{3,5}) \|", text, flags=re.M)}
    assert documented <= set(knowledge().codes), documented - set(knowledge().codes)


def test_a_broken_table_is_refused_at_load():
    data = tomllib.loads((REPO / "onboarding" / "error_codes.toml").read_text("utf-8"))
    entry = dict(data["code"][0])
    with pytest.raises(KnowledgeError, match="listed twice"):
        parse({**data, "code": [entry, entry]})
    with pytest.raises(KnowledgeError, match="cs"):
        parse({**data, "code": [{**entry, "tip": {"en": "only English"}}]})
    with pytest.raises(KnowledgeError, match="sources"):
        parse({**data, "code": [{**entry, "sources": ["NOWHERE"]}]})
    with pytest.raises(KnowledgeError, match="not a valid Retry"):
        parse({**data, "code": [{**entry, "retry": "maybe"}]})
