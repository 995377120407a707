"""Cards of every view: Adaptive Cards 1.3, five buttons, small, both locales, literal text.

The views come from real commands over the sandbox provider and its demo data; a few are built by
hand where the demo data has no such case (an unreadable template, hostile provider text).
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
import typing
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import commands
from bot import cards
from bot.bootstrap import Bot
from bot.cards import _ac as ac
from bot.cards._md import code
from bot.replies import CARD_CONTENT_TYPE, render
from commands import views as v
from commands.registry import REGISTRY
from commands.replies import Reply
from i18n import LOCALES, t
from onboarding.bulk import Upload
from onboarding.clock import ManualClock
from onboarding.digest import Content, DigestReport, Section
from onboarding.error_knowledge import Tip
from onboarding.model import (
    Customer,
    Package,
    ProvisioningError,
    ProvisioningStatus,
    StatusGroup,
    Subscriber,
)
from onboarding.providers.base import TemplateReport
from onboarding.queries import Page, SubscriberQuery
from onboarding.service import StatusSummary
from tests.support.chat import SUPPORT, VIEWER, Chat
from tests.support.chat import chat_bot as build_chat_bot
from tests.support.specs import assert_webex_card_attachment, validate_card

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
ROOM = "room-cards"

#: Views that are best as a plain message: the error text must copy cleanly (a message with a
#: card shows the card, not its markdown), notices are one line, digest bookkeeping is text.
MARKDOWN_ONLY = {
    v.ErrorTextView,
    v.NoticeView,
    v.DigestListView,
    v.DigestSavedView,
    v.DigestStoppedView,
    v.WatchListView,  # like the digest list: a few lines, no buttons
    v.BulkStartedView,  # retry file: one line each; the result's file follows it
    v.BulkProgressView,
    v.BulkResultView,
}


def all_view_types() -> set[type]:
    """Every view class the commands can answer with: the ``View`` union."""
    return set(typing.get_args(v.View))


def test_every_view_class_of_the_commands_is_in_the_view_union():
    # A view declared outside the union would type-check nowhere and could miss a renderer.
    modules = [v] + [getattr(commands, name) for name in commands.__all__]
    declared = {
        obj
        for module in modules
        for name, obj in inspect.getmembers(module, inspect.isclass)
        if name.endswith("View") and dataclasses.is_dataclass(obj)
    }
    assert declared <= all_view_types(), declared - all_view_types()


@pytest.fixture
def chat_bot(sqlite_database, tmp_path) -> Bot:
    return build_chat_bot(sqlite_database, ManualClock(NOW), tmp_path)


def first_sub(chat: Chat, words: str = "errors") -> Subscriber:
    reply = chat.say(f"status {words}")
    assert isinstance(reply.view, v.StatusListView) and reply.view.page.items
    return reply.view.page.items[0]


def check(card: dict[str, Any] | None) -> dict[str, Any]:
    """Validate a card as Webex gets it, and return it."""
    assert card is not None
    validate_card(card)
    assert_webex_card_attachment({"contentType": CARD_CONTENT_TYPE, "content": card})
    assert ac.size(card) <= ac.MAX_CARD_BYTES
    return card


def walk(node: object) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def markdown_texts(card: dict[str, Any]) -> list[str]:
    """Every string a renderer may treat as markdown: TextBlock text and FactSet parts."""
    out: list[str] = []
    for node in walk(card):
        if node.get("type") == "TextBlock":
            out.append(node["text"])
        if node.get("type") == "FactSet":
            out += [f["title"] for f in node["facts"]] + [f["value"] for f in node["facts"]]
    return out


def run_texts(card: dict[str, Any]) -> list[str]:
    return [n["text"] for n in walk(card) if n.get("type") == "TextRun"]


def submit_titles(card: dict[str, Any]) -> list[str]:
    return [n["title"] for n in walk(card) if str(n.get("type", "")).startswith("Action.")]


def submit_actions(card: dict[str, Any]) -> set[str]:
    return {n["data"]["action"] for n in walk(card) if n.get("type") == "Action.Submit"}


# --- every view has a card (or is knowingly markdown only) -------------------------------------


def test_every_view_type_has_a_card_renderer_or_is_listed_as_markdown_only():
    types = all_view_types()
    assert len(types) >= 20
    missing = [t.__name__ for t in types if t not in cards.card_renderers()]
    assert not missing, f"views without a card renderer: {missing}"
    assert set(cards.markdown_renderers()) == set(cards.card_renderers()) == types
    assert types >= MARKDOWN_ONLY


def test_an_unknown_view_is_a_type_error():
    with pytest.raises(TypeError):
        cards.render_card(object(), "en")


def _alert(stuck: v.StuckView) -> v.View:
    """A watch's alert (posted by the scheduler, not a command) with both kinds of item."""
    from commands.history_views import WatchAlertView
    from onboarding.watch import ErrorAlert, Watch, WatchKind

    watch = Watch(1, "space-ops", WatchKind.ERRORS, None, "ada@partner.example", NOW)
    error = ErrorAlert("4205550003@voip.example", None, "acme-cz", NOW, 10045, "*taken* <b>")
    return WatchAlertView(watch, errors=(error,), stuck=stuck.users, now=NOW)


def _views_from_commands(chat: Chat) -> list[object]:
    err = first_sub(chat, "errors")
    provisioned = first_sub(chat, "provisioned")
    stuck = chat.say("stuck 0").view
    assert isinstance(stuck, v.StuckView) and stuck.users
    customer = chat.say("templates").view.rows[0].summary.customer.id
    replies = [
        chat.say("status"),
        chat.say("status all page 2"),
        chat.say("status nothing-matches-this"),
        chat.say(f"status {err.id}"),
        chat.say(f"status {provisioned.id}"),
        chat.say(f"status {err.id}", who=SUPPORT),
        chat.say(f"error {err.id}"),
        chat.say(f"delete {err.id}"),
        chat.say(f"package {provisioned.id} premium"),
        chat.say("help"),
        chat.say("help", who=VIEWER),
        chat.say("help status"),
        chat.say("help delete", who=VIEWER),
        chat.say(f"template check {customer}"),
        chat.say("templates"),
        chat.say("states"),
        chat.say(f"state {stuck.users[0].user.email}"),
        stuck and Reply(stuck),
        chat.say("stuck 10000"),
        chat.say("explain neověřeno"),
        chat.say("explain delayed claim"),
        chat.say("export errors"),
        chat.say("cancel NOSUCHCODE"),
        chat.say("bogus"),
        chat.say("stat"),
        chat.say("explain neoverno"),
        chat.say("retry x@y.z not-an-email"),
        chat.say("delete someone", who=VIEWER),
        chat.say("digest daily 08:00 Europe/Prague errors"),
        chat.say("digest now"),
        chat.say("digest"),
        chat.say("digest off 1"),
        chat.say("audit"),
        chat.say("audit me 30"),
        chat.say(f"history {err.id}"),  # issue 14's views
        chat.say(f"why {err.id}"),
        chat.say(f"why {stuck.users[0].user.email}"),
        chat.say("watch errors"),
        chat.say("watch"),
        Reply(_alert(stuck)),
        chat.say("trend 3"),
    ]
    confirm = next(r.view for r in replies if isinstance(r.view, v.ConfirmView))
    replies.append(chat.say(f"cancel {confirm.code}"))
    rows = f"{err.id};bulk.new@acme-cz.example\nnobody@x.example;a@b.example".encode()
    preview = chat.say("retry file", file=Upload("users.csv", "text/csv", rows))  # retry file
    replies += [preview, chat.click("confirm", {"code": preview.view.code})]
    views = [r.view for r in replies]
    views += [v.BulkProgressView(1, 5, 10, 4, 1, 0), v.BulkResultView(1, "r.csv", 8, 1, 1, 2)]
    views.append(v.TemplateView(TemplateReport(Customer("acme", "ACME *Corp*"), known=False)))
    return views


def test_every_view_renders_a_valid_card_in_both_locales(chat):
    views = _views_from_commands(chat)
    seen = {type(view) for view in views}
    assert seen == all_view_types(), f"not exercised: {all_view_types() - seen}"
    for view in views:
        for locale in LOCALES:
            card = cards.render_card(view, locale)
            if type(view) in MARKDOWN_ONLY:
                assert card is None, type(view).__name__
                continue
            check(card)
            assert json.loads(json.dumps(card)) == card  # plain JSON: no tuples or objects left
            assert ac.count_actions(card) <= ac.MAX_ACTIONS
            required = [n for n in walk(card) if n.get("isRequired")]
            assert all(n.get("errorMessage") for n in required), (type(view).__name__, required)


def test_replies_carry_the_card_as_a_webex_attachment(chat):
    sub = first_sub(chat)
    rendered = render(chat.say(f"status {sub.id}"), "cs")
    (body,) = rendered.bodies()
    (attachment,) = body["attachments"]
    assert_webex_card_attachment(attachment)
    assert body["markdown"] == rendered.markdown
    plain = render(chat.say(f"error {sub.id}"), "en")
    assert plain.card is None and "attachments" not in plain.bodies()[0]
    assert sub.error_text in plain.markdown  # in a code block: copies cleanly


def test_czech_cards_use_partner_hubs_labels(chat):
    sub = first_sub(chat)
    card = check(cards.render_card(chat.say(f"status {sub.id}").view, "cs"))
    titles = submit_titles(card)
    for label in (
        "Opakovat aktivaci",
        "Odstranit uživatele",
        "Změnit typ balíčku",
        "Kopírovat text chyby",
    ):
        assert label in titles, (label, titles)
    (onboard,) = [n for n in walk(card) if n.get("data", {}).get("action") == "user.retry"]
    # The retry form's button in Czech words, as Partner Hub's Czech page says: "připojit".
    assert onboard["title"] == "Připojit" != t("action.onboard", "en")
    listing = check(cards.render_card(chat.say("status").view, "cs"))
    runs = run_texts(listing)
    assert "Vyloučit zřízené uživatele: zapnuto" in "".join(runs)
    assert "chyba" in runs  # the status of a row, as Partner Hub words it
    assert any(r.startswith("nevyřízený požadavek") for r in runs), runs
    states = json.dumps(check(cards.render_card(chat.say("states").view, "cs")), ensure_ascii=False)
    for label in ("Aktivní", "Ověřeno", "Neověřeno", "Neaktivní", "Odložený nárok"):
        assert label in states


# --- the status list ---------------------------------------------------------------------------


def test_the_status_list_shows_each_row_and_stays_small_on_a_long_page(chat):
    chat.bot.page_size = 100
    reply = chat.say("status all")
    view = reply.view
    assert isinstance(view, v.StatusListView) and len(view.page.items) > 20
    card = check(cards.render_card(view, "en"))
    runs = run_texts(card)
    shown = view.page.items[: cards.status.CARD_ROWS]
    for sub in shown:
        assert sub.user_id in runs
        assert (sub.email or "") in runs or not sub.email
    assert any("more on this page" in r for r in runs)
    (picker,) = [n for n in walk(card) if n.get("id") == "user"]
    assert len(picker["choices"]) <= cards.status.CARD_ROWS
    assert ac.size(card) < 20_000


def test_status_list_filters_default_to_excluding_provisioned_users(chat):
    card = check(cards.render_card(chat.say("status").view, "en"))
    assert "Exclude provisioned users: on" in "".join(run_texts(card))
    card = check(cards.render_card(chat.say("status all").view, "en"))
    assert "Exclude provisioned users: off" in "".join(run_texts(card))
    (toggle,) = [n for n in walk(card) if n.get("id") == "exclude_provisioned"]
    assert toggle["type"] == "Input.Toggle" and toggle["value"] == "false"


# --- the user detail and its four Partner Hub actions ------------------------------------------


def _detail(sub: Subscriber, actions: tuple[str, ...]) -> v.UserDetailView:
    # As the support role or above sees it: with the error text.
    tips = (Tip("advice.check_template", {"customer": sub.customer}),)
    return v.UserDetailView(sub, tips, NOW, NOW, actions=actions, error_text=True)


def _subscriber(**kw: Any) -> Subscriber:
    values: dict[str, Any] = {
        "id": "sub-1",
        "user_id": "420555000111",
        "customer": "acme",
        "first_name": "Jana",
        "last_name": "Nováková",
        "package": Package.BASIC,
        "status": ProvisioningStatus.ERROR,
        "created": NOW - timedelta(days=2),
        "last_status_change": NOW - timedelta(hours=3),
        "email": "jana@example.com",
        "errors": (ProvisioningError(10022, "The BroadWorks UserID is already associated"),),
    }
    values.update(kw)
    return Subscriber(**values)


ALL_USER_ACTIONS = ("user.retry", "user.delete", "user.package", "user.error")


@pytest.mark.parametrize("locale", LOCALES)
def test_a_user_with_every_action_allowed_keeps_the_five_button_limit(locale):
    card = check(cards.render_card(_detail(_subscriber(), ALL_USER_ACTIONS), locale))
    assert ac.count_actions(card) == 5
    assert submit_actions(card) == set(ALL_USER_ACTIONS)
    (email,) = [n for n in walk(card) if n.get("id") == "email"]
    assert email["isRequired"] and email["regex"] and email["errorMessage"] and email["label"]
    (package,) = [n for n in walk(card) if n.get("id") == "package"]
    assert [c["value"] for c in package["choices"]] == [p.value for p in Package]
    assert package["value"] == "basic"
    (delete,) = [n for n in walk(card) if n.get("data", {}).get("action") == "user.delete"]
    assert delete["style"] == "destructive"
    mono = [n for n in walk(card) if n.get("fontType") == "monospace"]
    assert any(n["text"] == "The BroadWorks UserID is already associated" for n in mono)


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        (("user.delete", "user.package"), 2),
        (("user.delete", "user.package", "user.error"), 3),
        (("user.retry", "user.delete", "user.package"), 4),  # retry's form has its own button
        (("user.error",), 1),
        ((), 0),
    ],
)
def test_user_actions_stand_alone_in_their_rows(actions, expected):
    # Four across a phone cut "Retry activation" to "Retry acti…" (issue 15): the primary action
    # is the card's one button row, every other button a row of its own in the body.
    card = check(cards.render_card(_detail(_subscriber(), actions), "en"))
    assert ac.count_actions(card) == expected
    assert submit_actions(card) == set(actions)
    rows = [n for n in card["body"] if n.get("type") == "ActionSet"]
    assert all(len(row["actions"]) == 1 for row in rows)
    assert [a["title"] for a in card.get("actions", [])] == (
        ["Retry activation"] if "user.retry" in actions else []
    )
    if "user.delete" in actions:
        (delete,) = [n for n in walk(card) if n.get("data", {}).get("action") == "user.delete"]
        assert delete["title"] == "Delete user" and delete["style"] == "destructive"
        assert "cannot be undone" in "".join(run_texts(card))  # and the server asks to confirm


def test_the_detail_card_shows_no_internal_id_and_no_status_twice():
    sub = _subscriber(id="Y2lzY29zcGFyazovL3VzL1NVQlNDUklCRVIvNzc4NjNmZTUtZDk5Yy00NjY2")
    card = check(cards.render_card(_detail(sub, ALL_USER_ACTIONS), "en"))
    shown = "".join(run_texts(card)) + "".join(markdown_texts(card))
    assert sub.id not in shown  # only in the text fallback (and the buttons' data)
    assert sub.id in cards.render_markdown(_detail(sub, ALL_USER_ACTIONS), "en")
    assert "error error" not in " ".join(run_texts(card))
    assert run_texts(card).count("error") == 2  # the heading's status and the Status row's


def test_only_the_actions_the_role_allows_appear(chat):
    sub = first_sub(chat)
    support = check(cards.render_card(chat.say(f"status {sub.id}", who=SUPPORT).view, "en"))
    assert submit_actions(support) == {"user.error"}
    viewer = check(cards.render_card(chat.say(f"status {sub.id}", who=VIEWER).view, "en"))
    assert submit_actions(viewer) == set()


# --- provider text renders literally ------------------------------------------------------------

HOSTILE = {
    "first_name": "*boss*",
    "last_name": "[x](http://evil.example)",
    "email": "<@personEmail:boss@example.com>@x.io",
    "customer": "**acme** _co_",
    "user_id": "`42`",
}
HOSTILE_ERROR = "See [help](http://evil.example) **now** <@all>\n```end```"


def _hostile() -> Subscriber:
    return _subscriber(errors=(ProvisioningError(1, HOSTILE_ERROR),), **HOSTILE)


def _no_provider_text_in_markdown(card: dict[str, Any]) -> None:
    for text in markdown_texts(card):
        for value in [*HOSTILE.values(), "evil", "boss", HOSTILE_ERROR]:
            assert value not in text, (value, text)


@pytest.mark.parametrize("locale", LOCALES)
def test_hostile_provider_text_renders_literally(locale):
    sub = _hostile()
    detail = check(cards.render_card(_detail(sub, ALL_USER_ACTIONS), locale))
    runs = run_texts(detail)
    assert "*boss* [x](http://evil.example)" in runs
    assert HOSTILE["email"] in runs and HOSTILE["customer"] in runs and "`42`" in runs
    assert HOSTILE_ERROR in runs  # verbatim, line breaks and all, in a monospace run
    _no_provider_text_in_markdown(detail)
    titles = [c["title"] for n in walk(detail) if n.get("choices") for c in n["choices"]]
    assert all("evil" not in title for title in titles)

    page = Page([sub], total=1, page=1, page_size=10)
    query = SubscriberQuery(groups=frozenset({StatusGroup.ERROR}), text="*boss*")
    listing = check(
        cards.render_card(v.StatusListView(page, query, ("errors",), NOW, NOW, True), locale)
    )
    _no_provider_text_in_markdown(listing)
    assert any("*boss*" in r for r in run_texts(listing))


@pytest.mark.parametrize("locale", LOCALES)
def test_hostile_provider_text_in_a_digest_renders_literally(locale):
    sub = _hostile()
    report = DigestReport(
        content=Content.ALL,
        now=NOW,
        summary=StatusSummary(
            {StatusGroup.ERROR: 1}, {ProvisioningStatus.ERROR: 1}, {sub.customer: {}}
        ),
        customer_names={sub.customer: HOSTILE["customer"]},
        new_errors=Section((sub,), 1),
        resolved=Section(),
        pending_too_long=Section(),
        not_verified=Section(),
        claims=Section(),
        change=None,
        previous_at=None,
        changed=True,
    )
    card = check(cards.render_card(v.DigestView(report, NOW, "UTC"), locale))
    _no_provider_text_in_markdown(card)
    runs = run_texts(card)
    assert "*boss* [x](http://evil.example)" in runs and HOSTILE["email"] in runs
    assert HOSTILE["customer"] in runs and HOSTILE["user_id"] in runs
    assert any("evil.example" in r for r in runs)  # the error text, in a monospace run
    text = cards.render_markdown(v.DigestView(report, NOW, "UTC"), locale)
    # Names, emails and customers escaped; the error text in a code span, which shows it as is.
    assert "\\*boss\\*" in text and "\\<@personEmail" in text and "\\*\\*acme" in text


def test_typed_words_in_errors_render_literally(chat):
    reply = chat.say("*boss*[x](http://evil.example)")
    card = check(cards.render_card(reply.view, "en"))
    assert not any("evil" in text for text in markdown_texts(card))
    assert "*boss*[x](http://evil.example)" in run_texts(card)


def test_catalog_markdown_becomes_styled_runs():
    runs = ac.msg_runs("md.confirm.delete", "en", action="Delete user", target="*x*")
    assert runs[0] == {"type": "TextRun", "text": "Delete user", "weight": "bolder"}
    assert {"type": "TextRun", "text": "*x*", "fontType": "monospace"} in runs
    assert "".join(r["text"] for r in runs) == "Delete user *x*? This cannot be undone."


def test_a_card_with_six_buttons_is_refused():
    buttons = [ac.submit(str(i), "status.list") for i in range(6)]
    with pytest.raises(ValueError):
        ac.card([ac.text("x")], buttons)
    nested = [ac.show_card("a", [], buttons[:3]), *buttons[:2]]
    assert ac.count_actions({"type": "AdaptiveCard", "actions": nested}) == 6


def test_an_oversized_card_falls_back_to_markdown_only(monkeypatch):
    monkeypatch.setattr(ac, "MAX_CARD_BYTES", 500)
    assert cards.render_card(_detail(_subscriber(), ALL_USER_ACTIONS), "en") is None


def test_every_card_button_names_a_registered_action(chat):
    names = {a.name for a in REGISTRY.actions()}
    for view in _views_from_commands(chat):
        card = cards.render_card(view, "en")
        if card is not None:
            assert submit_actions(card) <= names, type(view).__name__


# --- help: command examples show verbatim -------------------------------------------------------

_CODE_SPAN = re.compile(r"`([^`]+)`")
_QUOTED = re.compile(r'"[^"]*"')


def _monospace_runs(card: dict[str, Any]) -> set[str]:
    return {n["text"] for n in walk(card) if n.get("fontType") == "monospace"}


def card_text(card: dict[str, Any]) -> str:
    """The card's text as a person reads it: each block's runs joined."""
    blocks = [n for n in walk(card) if n.get("type") == "RichTextBlock"]
    return "\n".join("".join(r["text"] for r in b["inlines"]) for b in blocks)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_help_example_shows_verbatim_in_card_and_markdown(chat, locale):
    # `digest cron "0 8 * * 1-5"` once read "0 8  1-5": its asterisks had become italics.
    listing = chat.say("help").view
    listing_card = check(cards.render_card(listing, locale))
    listing_md = cards.render_markdown(listing, locale)
    for spec in REGISTRY.commands():
        text = t(spec.help_key, locale)
        # A quoted command line is an example: it belongs in a code span, never in bare markdown.
        assert not _QUOTED.search(_CODE_SPAN.sub("", text)), (spec.name, text)
        for snippet in _CODE_SPAN.findall(text):
            assert snippet in _monospace_runs(listing_card), (spec.name, snippet)
            assert code(snippet) in listing_md, (spec.name, snippet)
        detail = chat.say(f"help {spec.name}").view
        detail_card = check(cards.render_card(detail, locale))
        detail_md = cards.render_markdown(detail, locale)
        for example in spec.examples:
            assert example in _monospace_runs(detail_card), (spec.name, example)
            assert code(example) in detail_md, (spec.name, example)
        for snippet in _CODE_SPAN.findall(text):
            assert snippet in card_text(detail_card), (spec.name, snippet)


@pytest.mark.parametrize(
    ("locale", "users", "by_status"),
    [("en", "Users", "By status"), ("cs", "Uživatelé", "Podle stavu")],
)
def test_the_digest_card_groups_its_counts_under_headings_with_a_total(
    chat, locale, users, by_status
):
    # The card once ran the groups and the pending statuses together in one FactSet, with no
    # total, where the markdown says "Users: 80" and "By status" (issue 15).
    view = chat.say("digest now").view
    assert isinstance(view, v.DigestView)
    card = check(cards.render_card(view, locale))
    headings = [n["text"] for n in walk(card) if n.get("type") == "TextBlock"]
    total = f"{users}: {view.report.summary.total}"
    assert total in headings and by_status in headings
    first, second = [n for n in walk(card) if n.get("type") == "FactSet"][:2]
    assert len(first["facts"]) == len(StatusGroup)
    assert headings.index(total) < headings.index(by_status)
    text = cards.render_markdown(view, locale)
    assert f"{total} (" in text and f"{by_status}: " in text
    assert [f["title"] for f in second["facts"]] == [
        t(f"status.{s.value}", locale)
        for s, n in view.report.summary.by_status.items()
        if n and s.group is StatusGroup.PENDING
    ]


@pytest.mark.parametrize("locale", LOCALES)
def test_the_list_cards_choices_say_what_to_choose(chat, locale):
    card = check(cards.render_card(chat.say("status").view, locale))
    choices = {n["id"]: n for n in walk(card) if n.get("type") == "Input.ChoiceSet"}
    assert choices["user"]["errorMessage"] == t("card.user.choose", locale)
    assert choices["status"]["errorMessage"] == t("card.status.choose", locale)  # Filter's
