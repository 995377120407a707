"""Every card the bot sends, drawn by Microsoft's official renderer as a phone and a panel draw it.

The cards are the ones tests/unit/test_cards.py enumerates (every view, from real commands over
the sandbox's demo data), with the demo data made as long as real data gets: 60-character names,
40-character customer names, 200-character error texts. Each card is rendered by
``adaptivecards.min.js`` 3.0.6 through the console's own host (``cards_host.js``) in headless
Chromium, 360 px (a phone) and 480 px wide, in English and Czech, and fails the test on:

- any parse or validation event of the renderer (an unknown element, a required input without
  an ``errorMessage``, more than five actions...);
- any text past the card's right edge (an element's box beyond the card's box);
- any cut-off text: a button title or a text block whose content is wider than its box;
- a subscriber id (60 base64 characters) anywhere on a card's face.

Show-cards are opened one at a time and checked too. A screenshot of each card goes to
``var/card-renders/`` (``<view>-<n>.<locale>.<width>.png``) for people to look at.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot import cards
from bot.bootstrap import Bot
from i18n import LOCALES
from onboarding.clock import ManualClock
from storage.models import CustomerRow, OrgUserRow, SubscriberRow
from storage.uow import Database
from tests.e2e.test_console_browser import browser  # noqa: F401  (the shared Chromium fixture)
from tests.support.chat import Chat
from tests.support.chat import chat_bot as build_chat_bot
from tests.unit.test_cards import NOW, _views_from_commands, walk

pytestmark = pytest.mark.slow

STATIC = Path(__file__).resolve().parents[2] / "bot" / "local" / "static"
RENDERS = Path(__file__).resolve().parents[2] / "var" / "card-renders"
WIDTHS = (360, 480)

NAME_CHARS = 60
CUSTOMER_CHARS = 40
ERROR_CHARS = 200
_LONG_FIRST = " Alexandra-Magdaléna Kristýna Ludmila"
_LONG_LAST = "-Wolfeschlegelsteinhausen-Bergerdorff"
_LONG_CUSTOMER = " Logistika a Distribuce Holding a.s."
_LONG_ERROR = (
    " The Webex for BroadWorks provisioning service could not complete the request because the"
    " email domain is not verified for the partner organization; contact the administrator."
)


def _padded(value: str, tail: str, length: int) -> str:
    return (value + tail * 3)[:length].rstrip(" -") or value


def make_data_long(db: Database) -> None:
    """The demo data as long as real data gets: names, customer names and error texts."""
    with db.uow() as uow:
        s = uow.session
        for sub in s.scalars(sa.select(SubscriberRow)):
            first = _padded(sub.first_name, _LONG_FIRST, NAME_CHARS // 2 - 1)
            sub.first_name = first
            sub.last_name = _padded(sub.last_name, _LONG_LAST, NAME_CHARS - len(first) - 1)
            sub.errors = [
                {**e, "description": _padded(str(e["description"]), _LONG_ERROR, ERROR_CHARS)}
                for e in sub.errors
            ]
        for customer in s.scalars(sa.select(CustomerRow)):
            customer.name = _padded(customer.name, _LONG_CUSTOMER, CUSTOMER_CHARS)
        for user in s.scalars(sa.select(OrgUserRow)):
            user.display_name = _padded(user.display_name, _LONG_FIRST + _LONG_LAST, NAME_CHARS)
        uow.commit()


@pytest.fixture
def chat_bot(sqlite_database: Database, tmp_path: Path) -> Bot:
    """The bot over the demo data, made long."""
    bot = build_chat_bot(sqlite_database, ManualClock(NOW), tmp_path)
    make_data_long(bot.db)
    return bot


def every_card(chat: Chat) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(name, locale, card) of every card the bot can send, in both languages."""
    counts: dict[str, int] = {}
    for view in _views_from_commands(chat):
        kind = type(view).__name__
        counts[kind] = counts.get(kind, 0) + 1
        for locale in LOCALES:
            card = cards.render_card(view, locale)
            if card is not None:
                yield f"{kind}-{counts[kind]}", locale, card


#: The check run in the page for each card (see its header).
FIT_CHECK = (Path(__file__).parent / "card_fit.js").read_text(encoding="utf-8")


@pytest.fixture
def card_page(browser: Any) -> Iterator[Any]:  # noqa: F811  (the imported fixture)
    """One page with the renderer and the console's card host loaded."""
    context = browser.new_context(viewport={"width": 480, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_content(
        '<!doctype html><html><head><meta charset="utf-8"></head>'
        '<body style="margin:0;background:#f4f5f7"><div id="host"></div></body></html>'
    )
    page.add_style_tag(path=str(STATIC / "cards.css"))
    page.add_script_tag(path=str(STATIC / "adaptivecards.min.js"))
    page.add_script_tag(path=str(STATIC / "cards_host.js"))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors while rendering cards: {errors}"


def face_text(card: dict[str, Any]) -> str:
    """Every string a card shows (texts, facts, labels, choice and button titles), not its data."""
    shown: list[str] = []
    for node in walk(card):
        kind = str(node.get("type", ""))
        if kind in ("TextBlock", "TextRun"):
            shown.append(node["text"])
        elif kind.startswith("Action."):
            shown.append(node.get("title", ""))
        elif kind.startswith("Input."):
            shown += [node.get("label", ""), node.get("placeholder", ""), node.get("title", "")]
            shown += [choice["title"] for choice in node.get("choices", [])]
        elif kind == "FactSet":
            shown += [f"{fact['title']} {fact['value']}" for fact in node["facts"]]
    return "\n".join(shown)


def test_every_card_fits_at_phone_and_panel_width_in_both_languages(
    chat: Chat, card_page: Any
) -> None:
    rendered = list(every_card(chat))
    assert len({name for name, _, _ in rendered}) >= 25  # the enumeration is all there
    with chat.bot.db.uow() as uow:
        ids = list(uow.session.scalars(sa.select(SubscriberRow.id)))
    # Internal ids stay off the card's face: 60 base64 characters no client wraps.
    failures = [
        f"{name}.{locale}: shows subscriber id {sub_id}"
        for name, locale, card in rendered
        for sub_id in ids
        if sub_id in face_text(card)
    ]
    RENDERS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        card_page.set_viewport_size({"width": width, "height": 900})
        card_page.evaluate(f"document.getElementById('host').style.width = '{width}px'")
        for name, locale, card in rendered:
            label = f"{name}.{locale}.{width}"
            problems = card_page.evaluate(FIT_CHECK, [json.loads(json.dumps(card)), label])
            assert isinstance(problems, list), problems  # the check ran (not just parsed)
            failures += problems
            card_page.locator("#host").screenshot(path=str(RENDERS / f"{label}.png"))
    assert failures == [], "\n".join(failures)
