"""The local console in headless Chromium against the real bot, started as ``make run`` does.

The stack is ``onboard-bot serve``'s local mode in-process: ``LocalWebex`` (the stand-in with the
demo people), ``build_bot`` on a fresh SQLite database with the sandbox provider, the worker and
sender of ``Runtime``, and ``create_app`` served by waitress on a free port, its webhooks synced
to the stand-in. A person then uses the console like a browser user: picks Alice Admin and the
*Onboarding ops* space, types ``status pending``, pages through the list, filters it with the
card's form, opens a user and retries their activation with an email from the *Retry activation*
show-card.

Needs Debian's ``chromium``: skipped with a reason when it is missing, failed instead when
``ONBOARD_REQUIRE_BROWSER=1`` (as in CI). Screenshots land in ``ONBOARD_SCREENSHOTS`` (default:
the test's temporary directory).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from waitress.server import create_server

from bot.bootstrap import Bot, build_bot
from bot.cli_serve import LocalWebex
from bot.runtime import Runtime
from bot.settings import SandboxSettings, Settings
from bot.web import create_app
from bot.webex import WebexGateway
from bot.webhooks_admin import sync_webhooks
from onboarding.model import StatusGroup, Subscriber
from onboarding.queries import SubscriberQuery
from tests.e2e.test_console_browser import browser  # noqa: F401  (the shared Chromium fixture)

pytestmark = pytest.mark.slow

ADMIN = "admin@partner.example"
GROUP = "Onboarding ops"
TIMEOUT_MS = 8000
NEW_EMAIL = "ana.retry@customer.example"
# Read at import: the suite's autouse fixture clears ONBOARD_* variables before each test.
SHOTS_DIR = os.environ.get("ONBOARD_SCREENSHOTS")


@dataclass
class RealStack:
    """``serve``'s local mode, running: the stand-in, the bot, and the console URL."""

    local: LocalWebex
    bot: Bot
    runtime: Runtime
    bot_url: str

    @property
    def console_url(self) -> str:
        """The console page, as ``serve`` prints it."""
        return self.local.console_url

    def error_user(self) -> Subscriber:
        """A subscriber in error: *Retry activation* applies to them."""
        query = SubscriberQuery(groups=frozenset({StatusGroup.ERROR}))
        result = self.bot.service.list_subscribers(query, page_size=50, refresh=False)
        with_email = [s for s in result.page.items if s.email]
        assert with_email, "the sandbox seeds subscribers in error"
        return with_email[0]


@contextmanager
def real_local_stack(tmp_path: Path) -> Iterator[RealStack]:
    """Start the real bot against the built-in stand-in, the way ``serve`` does without a token."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        files_dir=tmp_path / "files",
        # Slow simulated steps: the users the test picks keep their status while it runs.
        sandbox=SandboxSettings(step_seconds=3600),
    )
    assert settings.local_mode
    local = LocalWebex(settings)
    bot = build_bot(local.settings)
    gateway = WebexGateway.from_settings(local.settings)
    runtime = Runtime(bot, gateway, idle=0.2).start()
    server = create_server(
        create_app(bot, runtime=runtime), host="127.0.0.1", port=0, threads=4, ident="onboard-bot"
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    bot_url = f"http://127.0.0.1:{server.effective_port}"
    secret = local.settings.webex.webhook_secret
    assert secret is not None
    try:
        sync_webhooks(
            gateway, target_url=bot_url + "/webhooks/webex", secret=secret.get_secret_value()
        )
        yield RealStack(local, bot, runtime, bot_url)
    finally:
        local.emulator.wait_idle()
        server.close()
        thread.join(timeout=5)
        runtime.stop()
        bot.db.dispose()
        local.stop()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[RealStack]:
    """The real stack on a fresh database."""
    with real_local_stack(tmp_path) as running:
        yield running


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:  # noqa: F811  (the imported fixture)
    """A fresh, tall page (whole cards fit in the log); any JavaScript error fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 2400})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the console page: {errors}"


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go."""
    folder = Path(SHOTS_DIR) if SHOTS_DIR else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def bot_articles(page: Any) -> Any:
    """The bot's messages in the log (top level and in threads)."""
    return page.locator("article.from-bot")


def test_status_pending_through_the_console_pages_opens_a_user_and_retries(
    page: Any, stack: RealStack, shots: Path
) -> None:
    from playwright.sync_api import expect

    page.goto(stack.console_url)
    expect(page.locator("#person option")).to_have_count(3)
    page.get_by_label("You are").select_option(ADMIN)
    page.locator("#rooms button", has_text=GROUP).click()
    expect(page.locator("#room-title")).to_have_text(GROUP)
    page.wait_for_function("() => !document.getElementById('text').disabled")

    box = page.get_by_role("textbox", name="Message to the bot")
    box.fill("status pending")
    box.press("Enter")
    mine = page.locator("article.msg.mine").first
    expect(mine).to_contain_text("status pending")

    # The bot's card, threaded under the question, with its rows, filters and page buttons.
    listing = mine.locator(".thread article.from-bot .ac-root").first
    expect(listing).to_contain_text(re.compile(r"Users: pending request, error.*page 1/\d+"))
    # A row is a Container (the renderer's .ac-container; the card itself is one too).
    expect(listing.locator(".ac-container:not(.ac-adaptiveCard)")).to_have_count(10)
    expect(listing.get_by_role("button", name="Next page")).to_be_visible()
    expect(listing.get_by_role("button", name="Filter")).to_be_visible()
    listing.screenshot(path=str(shots / "real-bot-status-card.png"))

    listing.get_by_role("button", name="Next page").click()
    second = page.locator(".ac-root", has_text=re.compile(r"page 2/\d+"))
    expect(second).to_have_count(1)
    expect(second.get_by_role("button", name="Previous page")).to_be_visible()

    # The filter form: a status choice, customer and search inputs, the exclude toggle.
    listing.get_by_role("button", name="Filter").click()
    listing.get_by_label("Status").select_option("errors")
    expect(listing.get_by_label("Exclude provisioned users")).to_be_checked()
    listing.get_by_label("Customer").fill("novlog-cz")
    listing.screenshot(path=str(shots / "real-bot-filter-form.png"))
    listing.get_by_role("button", name="Apply").click()
    heading = re.compile(r"Users: error · customer novlog-cz", re.IGNORECASE)
    filtered = page.locator(".ac-root", has_text=heading)
    expect(filtered).to_have_count(1)
    expect(filtered.locator(".ac-container", has_text="novlog-cz").first).to_be_visible()

    # Open a user in error from the first card's user choice.
    target = stack.error_user()
    users = listing.get_by_role("combobox", name=re.compile(r"^User\b"))
    users.select_option(target.id)
    listing.get_by_role("button", name="Open").click()
    detail = page.locator(".ac-root", has_text=target.user_id).filter(
        has=page.get_by_role("button", name="Retry activation")
    )
    expect(detail).to_have_count(1)
    expect(detail).to_contain_text(target.customer)

    detail.get_by_role("button", name="Retry activation").click()
    email = detail.get_by_label("Email")
    expect(email).to_be_visible()
    detail.screenshot(path=str(shots / "real-bot-user-detail-card.png"))
    email.fill("not an email")
    detail.get_by_role("button", name="Onboard").click()
    expect(email).to_have_attribute("aria-invalid", "true")  # checked before anything is sent
    email.fill(NEW_EMAIL)
    detail.get_by_role("button", name="Onboard").click()
    expect(detail.locator(".ac-feedback")).to_contain_text("Submitted as Alice Admin")

    result = page.locator(".ac-root", has_text=re.compile(r"Retry activation .*: "))
    expect(result).to_have_count(1)
    expect(result).to_contain_text(NEW_EMAIL)
    expect(result.get_by_role("button", name="Show user")).to_be_visible()
    result.screenshot(path=str(shots / "real-bot-retry-result-card.png"))
    page.screenshot(path=str(shots / "real-bot-console.png"))

    sub = stack.bot.service.find_subscriber(target.id, refresh=False)
    assert sub.email == NEW_EMAIL
