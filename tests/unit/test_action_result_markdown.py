"""An action's result names the user as people know them, whichever way the action named them."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.cards import render_card, render_markdown
from commands.views import ActionResultView
from onboarding.model import Package, ProvisioningStatus, Subscriber
from onboarding.providers.base import ActionOutcome

NOW = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
SUB = Subscriber(
    id="Y2lzY29zcGFyazovL3VzL1NVQlNDUklCRVIvMTIz",
    user_id="420111@voip.acme.example",
    customer="acme-cz",
    first_name="Erik",
    last_name="Novák",
    package=Package.BASIC,
    status=ProvisioningStatus.PROVISIONED,
    created=NOW,
    last_status_change=NOW,
    email="erik@acme.example",
)


def test_a_card_click_by_subscriber_id_shows_the_email() -> None:
    view = ActionResultView("package", SUB.id, ActionOutcome(ok=True, steps=(), subscriber=SUB))
    text = render_markdown(view, "en")
    assert "`erik@acme.example`" in text
    assert SUB.id not in text
    card = render_card(view, "en")
    assert card is not None and "erik@acme.example" in str(card)


def test_a_typed_reference_is_echoed_as_typed() -> None:
    view = ActionResultView("package", "420111", ActionOutcome(ok=True, steps=(), subscriber=SUB))
    assert "`420111`" in render_markdown(view, "en")
