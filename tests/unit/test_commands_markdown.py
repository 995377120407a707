"""Markdown helpers and every view rendered in both locales, without a database."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

import commands  # noqa: F401
from bot.cards import render_markdown
from bot.cards._md import MAX_BYTES, block, clamp, code, esc, fit, msg
from commands import views as v
from commands.registry import REGISTRY, Role
from onboarding.error_knowledge import Tip
from onboarding.lifecycle import StuckReason
from onboarding.model import (
    ControlHubState,
    Customer,
    OrgUser,
    Package,
    ProvisioningError,
    ProvisioningStatus,
    StatusGroup,
    Subscriber,
)
from onboarding.providers.base import ActionOutcome, Step, TemplateReport
from onboarding.queries import Page, SubscriberQuery
from onboarding.service import CustomerSummary, ErrorReport, StuckUser

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def test_esc_neutralises_markdown_mentions_and_links():
    out = esc("*a* _b_ `c` <@all> [x](http://y) ~z~ |t| #h\nnext")
    assert "\n" not in out
    assert not re.search(r"(?<!\\)[*_`<>\[\]~|#]", out)
    assert "http://" not in out


def test_code_and_block_survive_backticks():
    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"
    assert block("x\n```\ny") == "````\nx\n```\ny\n````"
    assert code("") == "—"


def test_msg_escapes_parameters_by_where_they_sit():
    out = msg("error.not_found", "en", ref="a`b *c*")
    assert out == "No user matches `aˋb *c*`."
    out = msg("parse.bad_choice", "en", value="x", arg="*y*", valid="p_q")
    assert "\\*y\\*" in out and "p\\_q" in out


def test_fit_cuts_long_lists_with_a_more_line():
    items = [f"- item {i} " + "x" * 100 for i in range(200)]
    out = fit(["head"], items, ["tail"], lambda n: f"and {n} more")
    assert len(out.encode()) <= MAX_BYTES
    assert out.startswith("head") and out.endswith("tail") and re.search(r"and \d+ more", out)
    assert fit(["h"], ["a", "b"], ["t"], lambda n: "more") == "h\na\nb\nt"


def test_clamp_keeps_fences_closed():
    text = "title\n```\n" + "\n".join("ř" * 50 for _ in range(200)) + "\n```"
    out = clamp(text, "en")
    assert len(out.encode()) <= MAX_BYTES and out.count("```") == 2


def sub(status: ProvisioningStatus = ProvisioningStatus.ERROR, **kw: object) -> Subscriber:
    values: dict[str, object] = {
        "id": "s1",
        "user_id": "420111",
        "customer": "acme",
        "first_name": "Jana",
        "last_name": "Nováková",
        "package": Package.BASIC,
        "status": status,
        "created": NOW,
        "last_status_change": NOW - timedelta(hours=2),
        "email": "jana@acme.example",
        "errors": (ProvisioningError(1, "boom"),),
    }
    values.update(kw)
    return Subscriber(**values)  # type: ignore[arg-type]


def user(state: ControlHubState) -> OrgUser:
    return OrgUser("u1", "u@x.cz", "Uživatel", state, NOW - timedelta(days=20), NOW)


TEMPLATE_TIP = Tip("advice.check_template", {"customer": "acme"})
CUSTOMER = Customer("acme", "Acme", True, "activation")
SUMMARY = CustomerSummary(CUSTOMER, dict.fromkeys(StatusGroup, 1))
ALL_VIEWS = [
    v.StatusListView(Page([sub()], 30, 1, 1), SubscriberQuery(), ("errors",), NOW, NOW),
    v.StatusListView(Page([], 0, 1, 10), SubscriberQuery(include_provisioned=True), (), None, NOW),
    v.UserDetailView(sub(), (TEMPLATE_TIP,), NOW, NOW, ("user.retry", "user.error")),
    v.ErrorTextView(ErrorReport(sub(), (Tip("advice.retry_or_delete"),))),
    v.ErrorTextView(ErrorReport(sub(ProvisioningStatus.PROVISIONED, errors=()), ())),
    v.ConfirmView("ABC234", v.ConfirmAction.DELETE, "jana@acme.example", NOW),
    v.ConfirmView("ABC234", v.ConfirmAction.RESEND, "a, b", NOW, count=2),
    v.ActionResultView(
        "retry", "420111", ActionOutcome(True, (Step("advice.in_progress"),), sub())
    ),
    v.ActionResultView("resend", "a", ActionOutcome(False, (Step("unknown.key", False),))),
    v.HelpView(REGISTRY.commands(), Role.ADMIN, 0),
    v.HelpView(REGISTRY.commands()[:3], Role.VIEWER, 5),
    v.CommandHelpView(REGISTRY.commands()[1], True),
    v.TemplateView(TemplateReport(CUSTOMER, True, True, False)),
    v.TemplateView(TemplateReport(CUSTOMER, False)),
    v.TemplatesView((v.TemplateRow(SUMMARY, TemplateReport(CUSTOMER, True, True, True)),)),
    v.TemplatesView(()),
    v.StatesView(dict.fromkeys(ControlHubState, 2)),
    v.UserStateView(user(ControlHubState.DELAYED_CLAIM), NOW),
    v.StuckView(
        (StuckUser(user(ControlHubState.NOT_VERIFIED), StuckReason.NOT_VERIFIED_TOO_LONG),), 7, NOW
    ),
    v.StuckView((), 7, NOW),
    v.ExplainView(ControlHubState.NOT_VERIFIED),
    v.ExportView("onboard-export-x.csv", 3, ("all",)),
    v.NoticeView((v.Msg("confirm.cancelled", {"code": "ABC234"}),)),
    v.ErrorView(
        v.ErrorKind.BAD_INPUT,
        (v.Msg("parse.missing", {"arg": v.Label("arg.user")}),),
        suggestions=("status",),
        usage_of=REGISTRY.find("retry"),
    ),
    v.ErrorView(v.ErrorKind.INTERNAL, (v.Msg("error.internal", {"ref": "abc"}),), ref="abc"),
    v.ErrorView(v.ErrorKind.UNKNOWN_COMMAND, (v.Msg("parse.unknown_command", {"name": "x"}),)),
]


@pytest.mark.parametrize("locale", ["en", "cs"])
@pytest.mark.parametrize("view", ALL_VIEWS, ids=lambda view: type(view).__name__)
def test_every_view_renders_in_both_locales(view, locale):
    md = render_markdown(view, locale)
    assert md.strip() and len(md.encode("utf-8")) <= MAX_BYTES
    assert not re.search(r"\{[a-z_]+\}", md), md
