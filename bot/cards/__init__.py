"""Replies as Webex markdown and Adaptive Cards: one module per view family.

``render_markdown(view, locale)`` picks the family's ``markdown`` function and keeps the result
under Webex's 7439-byte limit. ``render_card(view, locale)`` picks the family's ``card`` function:
an Adaptive Card 1.3 with at most five buttons, or None for views that are best as plain text.
Each family registers its two functions where they are defined (``@markdown_renderer``,
``@card_renderer``), for the view types their ``view`` parameter names.
"""

from __future__ import annotations

import logging
from typing import Any

# Importing each family registers its renderers (``bot.cards._render``).
from bot.cards import (  # noqa: F401
    _ac,
    actions,
    audit,
    bulk,
    digest,
    errors,
    help,
    history,
    states,
    status,
    templates,
    trend,
    watch,
    why,
)
from bot.cards._md import MAX_BYTES, clamp
from bot.cards._render import card_renderers, markdown_renderers

log = logging.getLogger(__name__)

_MARKDOWN_BY_TYPE = markdown_renderers()
_CARD_BY_TYPE = card_renderers()

__all__ = ["MAX_BYTES", "card_renderers", "markdown_renderers", "render_card", "render_markdown"]


def render_markdown(view: object, locale: str) -> str:
    """The view (a ``commands.views.View``) as Webex markdown, ≤ 7439 bytes."""
    render = _MARKDOWN_BY_TYPE.get(type(view))
    if render is None:
        raise TypeError(f"no markdown renderer for {type(view).__name__}")
    return clamp(render(view, locale), locale)


def render_card(view: object, locale: str) -> dict[str, Any] | None:
    """The view as an Adaptive Card 1.3 (≤ five buttons), or None when it is markdown only."""
    render = _CARD_BY_TYPE.get(type(view))
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
