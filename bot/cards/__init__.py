"""Replies as Webex markdown and Adaptive Cards: one module per view family.

``render_markdown(view, locale)`` picks the family's ``markdown`` function and keeps the result
under Webex's 7439-byte limit. ``render_card(view, locale)`` picks the family's ``card`` function:
an Adaptive Card 1.3 with at most five buttons, or None for views that are best as plain text.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot.cards import _ac, actions, audit, digest, errors, help, states, status, templates
from bot.cards._md import MAX_BYTES, clamp
from commands import views as v

log = logging.getLogger(__name__)

_MARKDOWN: dict[type, Callable[[Any, str], str]] = {
    v.StatusListView: status.markdown,
    v.UserDetailView: status.markdown,
    v.ErrorTextView: status.markdown,
    v.ExportView: status.markdown,
    v.ActionResultView: actions.markdown,
    v.ConfirmView: actions.markdown,
    v.HelpView: help.markdown,
    v.CommandHelpView: help.markdown,
    v.TemplateView: templates.markdown,
    v.TemplatesView: templates.markdown,
    v.StatesView: states.markdown,
    v.UserStateView: states.markdown,
    v.StuckView: states.markdown,
    v.ExplainView: states.markdown,
    v.ErrorView: errors.markdown,
    v.NoticeView: errors.markdown,
    v.DigestView: digest.markdown,
    v.DigestListView: digest.markdown,
    v.DigestSavedView: digest.markdown,
    v.DigestStoppedView: digest.markdown,
    v.AuditView: audit.markdown,
}

_CARD: dict[type, Callable[[Any, str], dict[str, Any] | None]] = {
    v.StatusListView: status.card,
    v.UserDetailView: status.card,
    v.ErrorTextView: status.card,
    v.ExportView: status.card,
    v.ActionResultView: actions.card,
    v.ConfirmView: actions.card,
    v.HelpView: help.card,
    v.CommandHelpView: help.card,
    v.TemplateView: templates.card,
    v.TemplatesView: templates.card,
    v.StatesView: states.card,
    v.UserStateView: states.card,
    v.StuckView: states.card,
    v.ExplainView: states.card,
    v.ErrorView: errors.card,
    v.NoticeView: errors.card,
    v.DigestView: digest.card,
    v.DigestListView: digest.card,
    v.DigestSavedView: digest.card,
    v.DigestStoppedView: digest.card,
    v.AuditView: audit.card,
}

__all__ = ["MAX_BYTES", "render_card", "render_markdown"]


def render_markdown(view: object, locale: str) -> str:
    """The view (a ``commands.views.View``) as Webex markdown, ≤ 7439 bytes."""
    render = _MARKDOWN.get(type(view))
    if render is None:
        raise TypeError(f"no markdown renderer for {type(view).__name__}")
    return clamp(render(view, locale), locale)


def render_card(view: object, locale: str) -> dict[str, Any] | None:
    """The view as an Adaptive Card 1.3 (≤ five buttons), or None when it is markdown only."""
    render = _CARD.get(type(view))
    if render is None:
        raise TypeError(f"no card renderer for {type(view).__name__}")
    card = render(view, locale)
    if card is not None and _ac.size(card) > _ac.MAX_CARD_BYTES:
        # The markdown carries the whole answer; an oversized card must not block delivery.
        log.warning(
            "card for %s is %d bytes; sending markdown only", type(view).__name__, _ac.size(card)
        )
        return None
    return card
