"""The local console in headless Chromium, against a running stand-in and a bot.

The bot is the ``bot_under_test`` fixture: a tiny card-echo bot here (any message gets a card,
a card click gets ``done: <inputs>``). To run the same scenario against the real bot, make that
fixture start it against ``stack.server.api_url`` with ``stack.world.bot_token`` and yield the
``Scenario`` of its cards; the browser steps don't change.

Needs Debian's ``chromium`` (``apt-get install chromium``): skipped with a reason when it is
missing, failed instead when ``ONBOARD_REQUIRE_BROWSER=1`` (as in CI).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from webexpythonsdk import WebexAPI

from bot.local.demo import LocalWorld, console_url, setup_local_world
from bot.local.emulator import EmulatorServer, WebexEmulator
from tests.support.emulator import ReceivedWebhook, WebhookReceiver

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ADMIN = "admin@partner.example"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
TIMEOUT_MS = 6000


@dataclass
class LocalStack:
    """A running stand-in with the local world of ``make run`` and its console URL."""

    emulator: WebexEmulator
    server: EmulatorServer
    world: LocalWorld
    url: str


@dataclass(frozen=True)
class Scenario:
    """The console steps that exercise a bot, and what its answers show."""

    command: str  # typed by the admin in the group space
    card_text: str  # shown by the card the bot answers with
    field_label: str  # a required input of that card
    field_value: str
    button: str  # the Action.Submit to click
    result_text: re.Pattern[str]  # shown by the bot's answer to the click


@dataclass
class CardEchoBot:
    """The test bot: answers any message with a card and any card click with its inputs."""

    api_url: str
    token: str
    secret: str = field(default_factory=lambda: secrets.token_hex(16))
    errors: list[BaseException] = field(default_factory=list)

    def start(self) -> CardEchoBot:
        """Register both webhooks to a local receiver; returns self."""
        self.api = WebexAPI(
            access_token=self.token, base_url=self.api_url, wait_on_rate_limit=False
        )
        self.me = self.api.people.me()
        self.receiver = WebhookReceiver(on_post=self._on_post)
        for resource in ("messages", "attachmentActions"):
            self.api.webhooks.create(
                name=f"card echo {resource}",
                targetUrl=self.receiver.url,
                resource=resource,
                event="created",
                secret=self.secret,
            )
        return self

    def close(self) -> None:
        """Stop receiving."""
        self.receiver.close()

    def _on_post(self, hook: ReceivedWebhook) -> None:
        try:
            if not hook.signature_ok(self.secret):
                raise AssertionError("bad webhook signature")
            envelope = json.loads(hook.body)
            if envelope["resource"] == "messages":
                self._answer_message(envelope["data"])
            elif envelope["resource"] == "attachmentActions":
                self._answer_click(envelope["data"])
        except BaseException as exc:  # collected: a thread's exception would be lost
            self.errors.append(exc)

    def _answer_message(self, data: dict[str, Any]) -> None:
        if data["personId"] == self.me.id:
            return
        message = self.api.messages.get(data["id"])
        text = (message.text or "").removeprefix(self.me.displayName).strip()
        thread = (message.parentId or message.id) if message.roomType == "group" else None
        card = {
            "type": "AdaptiveCard",
            "version": "1.3",
            "body": [
                {"type": "TextBlock", "text": f"Status: {text}", "weight": "bolder", "wrap": True},
                {
                    "type": "FactSet",
                    "facts": [
                        {"title": "Asked by", "value": message.personEmail},
                        {"title": "Pending", "value": "2"},
                    ],
                },
                {
                    "type": "Input.Text",
                    "id": "email",
                    "label": "Email",
                    "placeholder": "name@customer.example",
                    "isRequired": True,
                    "regex": r"^[^@\s]+@[^@\s]+$",
                    "errorMessage": "Enter an email address.",
                },
            ],
            "actions": [
                {
                    "type": "Action.Submit",
                    "title": "Retry activation",
                    "style": "positive",
                    "data": {"action": "retry"},
                }
            ],
        }
        self.api.messages.create(
            roomId=message.roomId,
            parentId=thread,
            text=f"Status: {text}",
            attachments=[{"contentType": CARD_TYPE, "content": card}],
        )

    def _answer_click(self, data: dict[str, Any]) -> None:
        action = self.api.attachment_actions.get(data["id"])
        card = self.api.messages.get(action.messageId)
        inputs = ", ".join(f"{k}={v}" for k, v in sorted(action.inputs.items()))
        # A reply can't be a parent: answer in the card's thread, or under the card itself.
        thread = (card.parentId or card.id) if card.roomType == "group" else None
        self.api.messages.create(roomId=action.roomId, parentId=thread, markdown=f"done: {inputs}")


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium through playwright, or a skip (a failure in CI) without it."""
    required = os.environ.get("ONBOARD_REQUIRE_BROWSER") == "1"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        sync_playwright = None
    reason = None
    if sync_playwright is None:
        reason = "playwright is not installed (pip install -e '.[dev]')"
    elif not (os.access(CHROMIUM, os.X_OK) or shutil.which("chromium")):
        reason = f"{CHROMIUM} is missing: apt-get install chromium (Debian's package)"
    if reason is not None:
        if required:
            pytest.fail(f"ONBOARD_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    assert sync_playwright is not None
    executable = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser page (no remembered person or space)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the console page: {errors}"


@pytest.fixture
def stack() -> Iterator[LocalStack]:
    """The stand-in with ``make run``'s local world, served on loopback."""
    emulator = WebexEmulator()
    world = setup_local_world(emulator)
    server = emulator.start()
    try:
        yield LocalStack(emulator, server, world, console_url(server))
    finally:
        server.stop()


@pytest.fixture
def bot_under_test(stack: LocalStack) -> Iterator[Scenario]:
    """The bot answering in the console, and the scenario its cards support.

    Swap point: start the real bot here instead (see the module docstring).
    """
    bot = CardEchoBot(stack.server.api_url, stack.world.bot_token).start()
    yield Scenario(
        command="status pending",
        card_text="Status: status pending",
        field_label="Email",
        field_value="ana@customer.example",
        button="Retry activation",
        result_text=re.compile(r"done: .*email=ana@customer\.example"),
    )
    bot.close()
    assert bot.errors == []


def open_console(page: Any, stack: LocalStack, email: str, room_id: str) -> None:
    page.goto(f"{stack.url}?as={email}&room={room_id}")
    page.get_by_role("heading", level=2, name=re.compile(".")).first.wait_for()
    page.wait_for_function("() => !document.getElementById('text').disabled")


# -- tests ----------------------------------------------------------------------------------------


def test_type_a_command_see_the_card_submit_and_see_the_result(
    page: Any, stack: LocalStack, bot_under_test: Scenario
) -> None:
    from playwright.sync_api import expect

    scenario = bot_under_test
    open_console(page, stack, ADMIN, stack.world.group_room_id)
    expect(page.get_by_role("note").first).to_contain_text("No Webex tokens are checked")
    expect(page.get_by_label("You are")).to_have_value(ADMIN)
    expect(page.locator("#room-title")).to_have_text("Onboarding ops")

    page.get_by_role("textbox", name="Message to the bot").fill(scenario.command)
    page.get_by_role("textbox", name="Message to the bot").press("Enter")
    mine = page.locator("article.msg.mine").first
    expect(mine).to_contain_text(scenario.command)
    expect(mine.locator(".mention")).to_have_text("@Onboard Bot")

    card = page.locator("article.from-bot .ac-root").first
    expect(card).to_contain_text(scenario.card_text)
    # Group replies are threaded under the message they answer.
    expect(mine.locator(".thread .ac-root")).to_have_count(1)
    button = card.get_by_role("button", name=scenario.button)
    field = card.get_by_label(scenario.field_label)

    button.click()  # the required input is empty: the console refuses, as Webex clients do
    expect(field).to_have_attribute("aria-invalid", "true")
    assert stack.emulator.webhooks()  # the bot is registered...
    assert not [e for e in stack.emulator.exchanges if e.path.startswith("/v1/attachment")]

    field.fill(scenario.field_value)
    button.click()
    expect(field).not_to_have_attribute("aria-invalid", "true")
    result = page.locator("article.from-bot", has_text=scenario.result_text)
    expect(result).to_have_count(1)
    expect(page.locator(".ac-feedback")).to_contain_text("Submitted as Alice Admin")


def test_an_empty_space_says_so_and_what_to_type(page: Any, stack: LocalStack) -> None:
    # After a fresh `make run` both spaces once showed "Loading…" until someone wrote.
    from playwright.sync_api import expect

    direct = stack.world.person("admin").direct_room_id
    for room in (stack.world.group_room_id, direct):
        open_console(page, stack, ADMIN, room)
        log = page.get_by_role("log")
        expect(log).to_contain_text("No messages yet — type help to see what the bot can do.")
        expect(log.locator("code")).to_have_text("help")
        expect(log).not_to_contain_text("Loading")
    log.get_by_role("button", name="Type it for me").click()
    expect(page.get_by_role("textbox", name="Message to the bot")).to_have_value("help")

    # The first message replaces the note.
    stack.emulator.send_as(ADMIN, direct, "hello", mention_bot=False)
    expect(page.locator("article.msg.mine")).to_contain_text("hello")
    expect(log).not_to_contain_text("No messages yet")


def test_cards_and_markdown_are_drawn_readably_and_safely(page: Any, stack: LocalStack) -> None:
    from playwright.sync_api import expect

    world, emulator = stack.world, stack.emulator
    room = world.person("admin").direct_room_id
    bot = emulator.authenticate(world.bot_token)
    clicks = WebhookReceiver()
    WebexAPI(access_token=world.bot_token, base_url=stack.server.api_url).webhooks.create(
        name="clicks", targetUrl=clicks.url, resource="attachmentActions", event="created"
    )
    emulator.api_create_message(
        bot,
        {
            "roomId": room,
            "markdown": (
                '**Bold** *it* `code` <img src=x onerror="window.pwned=1">\n'
                "- one\n- two\n[docs](https://example.com) [bad](javascript:window.pwned=2)"
            ),
        },
    )
    emulator.api_create_message(bot, {"roomId": room, "text": "card", "attachments": [KITCHEN]})
    open_console(page, stack, ADMIN, room)

    text = page.locator("article.from-bot .msg-body").first
    expect(text.locator("strong")).to_have_text("Bold")
    expect(text.locator("li")).to_have_count(2)
    expect(text.locator("a")).to_have_count(1)
    expect(text).to_contain_text("<img src=x")  # shown as text, never as an element
    assert page.evaluate("() => window.pwned") is None
    assert text.locator("img").count() == 0

    card = page.locator(".ac-root").first
    # Drawn by the official renderer (cards_host.js): its classes, the card's own element ids.
    mono = card.locator(".ac-textBlock", has_text="ERR 42")
    expect(mono).to_have_text("ERR 42: <not html>")
    assert "Mono" in mono.evaluate("node => getComputedStyle(node).fontFamily")
    expect(card.locator(".ac-factset .ac-fact-title")).to_have_text(["Status", "Package"])
    expect(card.locator(".ac-columnSet").first.locator(":scope > .ac-container")).to_have_count(2)
    italic = card.locator(".ac-textRun", has_text="italic run")
    assert italic.evaluate("node => getComputedStyle(node).fontStyle") == "italic"
    expect(card.get_by_label("Package")).to_be_visible()  # compact choice: a select
    expect(card.get_by_role("radio")).to_have_count(2)  # expanded choice
    expect(card.get_by_role("checkbox")).to_have_count(3)  # multi choice (2) and a toggle
    expect(card.locator("input[type=number]")).to_have_count(1)
    expect(card.locator("input[type=date]")).to_have_count(1)
    # A 1.5 element in a 1.3 card: unknown to the renderer, as to Webex, and said so.
    expect(card.get_by_role("note", name="Renderer problems")).to_contain_text(
        'Unknown element type "Table"'
    )
    expect(card.get_by_role("button", name="Delete user")).to_have_class(re.compile("destructive"))
    # Action.OpenUrl is a link-role button: it opens the URL (window.open, stubbed here).
    page.evaluate("() => { window.open = (url) => { window.opened = url; }; }")
    card.get_by_role("link", name="Partner Hub").click()
    assert page.evaluate("() => window.opened") == "https://admin.webex.com/"

    hidden = card.locator("[id=details]")
    expect(hidden).to_be_hidden()
    card.get_by_role("button", name="Details").click()
    expect(hidden).to_be_visible()

    # The official renderer holds an empty number with a min and max invalid, optional or not.
    card.get_by_label("Count").fill("3")
    confirm = card.get_by_role("button", name="Confirm delete")
    expect(confirm).to_be_hidden()
    card.get_by_role("button", name="Delete user").click()
    expect(confirm).to_be_visible()
    expect(card.locator("textarea")).to_have_count(1)  # the show-card's (drawn when shown)
    confirm.click()
    expect(card.locator(".ac-feedback")).to_contain_text("Submitted as Alice Admin")
    (hook,) = clicks.wait_for(1)
    clicks.close()
    action = emulator.action(json.loads(hook.body)["data"]["id"])
    assert action is not None
    # Inputs of the card and the show-card, merged over the action's data.
    assert action["inputs"]["action"] == "user.delete"
    assert "package" not in action["inputs"]  # the official renderer leaves out an unset choice
    assert action["inputs"]["notify"] == "false"
    assert action["inputs"]["reason"] == "cleanup"
    assert action["inputs"]["count"] == "3"


KITCHEN: dict[str, Any] = {
    "contentType": CARD_TYPE,
    "content": {
        "type": "AdaptiveCard",
        "version": "1.3",
        "body": [
            {"type": "TextBlock", "text": "User detail", "size": "large", "weight": "bolder"},
            {"type": "TextBlock", "text": "ERR 42: <not html>", "fontType": "monospace"},
            {
                "type": "FactSet",
                "facts": [
                    {"title": "Status", "value": "**error**"},
                    {"title": "Package", "value": "standard"},
                ],
            },
            {
                "type": "ColumnSet",
                "columns": [
                    {
                        "type": "Column",
                        "width": "auto",
                        "items": [{"type": "TextBlock", "text": "A"}],
                    },
                    {
                        "type": "Column",
                        "width": "stretch",
                        "items": [{"type": "TextBlock", "text": "B", "isSubtle": True}],
                    },
                ],
            },
            {
                "type": "Container",
                "id": "details",
                "isVisible": False,
                "items": [{"type": "TextBlock", "text": "More details", "color": "attention"}],
            },
            {
                "type": "RichTextBlock",
                "inlines": [{"type": "TextRun", "text": "italic run", "italic": True}],
            },
            {"type": "Table", "rows": []},
            {
                "type": "Input.ChoiceSet",
                "id": "package",
                "label": "Package",
                "style": "compact",
                "choices": [{"title": "Basic", "value": "basic"}],
            },
            {
                "type": "Input.ChoiceSet",
                "id": "size",
                "label": "Size",
                "style": "expanded",
                "value": "s",
                "choices": [{"title": "S", "value": "s"}, {"title": "M", "value": "m"}],
            },
            {
                "type": "Input.ChoiceSet",
                "id": "tags",
                "label": "Tags",
                "isMultiSelect": True,
                "choices": [{"title": "x", "value": "x"}, {"title": "y", "value": "y"}],
            },
            {"type": "Input.Toggle", "id": "notify", "title": "Notify the user"},
            {"type": "Input.Number", "id": "count", "label": "Count", "min": 1, "max": 5},
            {"type": "Input.Date", "id": "day", "label": "Day"},
        ],
        "actions": [
            {"type": "Action.ToggleVisibility", "title": "Details", "targetElements": ["details"]},
            {
                "type": "Action.ShowCard",
                "title": "Delete user",
                "style": "destructive",
                "card": {
                    "type": "AdaptiveCard",
                    "body": [
                        {
                            "type": "Input.Text",
                            "id": "reason",
                            "label": "Reason",
                            "isMultiline": True,
                            "value": "cleanup",
                        }
                    ],
                    "actions": [
                        {
                            "type": "Action.Submit",
                            "title": "Confirm delete",
                            "style": "destructive",
                            "data": {"action": "user.delete", "notify": "overwritten"},
                        }
                    ],
                },
            },
            {"type": "Action.OpenUrl", "title": "Partner Hub", "url": "https://admin.webex.com/"},
        ],
    },
}


def test_a_file_is_attached_to_a_message_as_webex_carries_it(page: Any, stack: LocalStack) -> None:
    """``make run``'s way to ``retry file``: the console uploads the CSV with the message."""
    from playwright.sync_api import expect

    direct = stack.world.person("admin").direct_room_id
    open_console(page, stack, ADMIN, direct)
    data = "\ufeffuser;new email\r\n420600278947@voip.acme-cz.example;a@b.example\r\n".encode()
    page.get_by_label(re.compile("Attach a file")).set_input_files(
        files=[{"name": "users.csv", "mimeType": "text/csv", "buffer": data}]
    )
    page.get_by_role("textbox", name="Message to the bot").fill("retry file")
    page.get_by_role("textbox", name="Message to the bot").press("Enter")
    expect(page.locator("article.msg.mine").first).to_contain_text("retry file")
    sent = [m for m in stack.emulator.messages_in(direct) if m.get("files")]
    assert len(sent) == 1 and sent[0]["text"] == "retry file"
    content = stack.emulator.content(sent[0]["files"][0].rsplit("/", 1)[-1], person_email=ADMIN)
    assert (content.filename, content.data) == ("users.csv", data)
    expect(page.get_by_label(re.compile("Attach a file"))).to_have_value("")
