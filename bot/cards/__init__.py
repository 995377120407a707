"""Replies as Webex markdown (and, later, Adaptive Cards): one module per view family.

``render_markdown(view, locale)`` picks the family's ``markdown`` function and keeps the result
under Webex's 7439-byte limit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.cards import actions, digest, errors, help, states, status, templates
from bot.cards._md import MAX_BYTES, clamp
from commands import views as v

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
    digest.DigestView: digest.markdown,
    digest.DigestListView: digest.markdown,
    digest.DigestSavedView: digest.markdown,
    digest.DigestStoppedView: digest.markdown,
}

__all__ = ["MAX_BYTES", "render_markdown"]


def render_markdown(view: object, locale: str) -> str:
    """The view (a ``commands.views.View`` or a digest view) as Webex markdown, ≤ 7439 bytes."""
    render = _MARKDOWN.get(type(view))
    if render is None:
        raise TypeError(f"no markdown renderer for {type(view).__name__}")
    return clamp(render(view, locale), locale)
