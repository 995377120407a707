"""Errors and short notices: bad input, not found, refused, forbidden, did-you-mean, apologies."""

from __future__ import annotations

from bot.cards._md import code, render_msg
from bot.cards.help import usage
from commands.views import ErrorKind, ErrorView, NoticeView
from i18n import t

_ICON = {
    ErrorKind.BAD_INPUT: "⚠️",
    ErrorKind.UNKNOWN_COMMAND: "❓",
    ErrorKind.NOT_FOUND: "🔍",
    ErrorKind.REFUSED: "⛔",
    ErrorKind.FORBIDDEN: "🔒",
    ErrorKind.UNAVAILABLE: "⏳",
    ErrorKind.CONFIRMATION: "⛔",
    ErrorKind.INTERNAL: "😞",
}


def _error(view: ErrorView, locale: str) -> str:
    lines = [f"{_ICON[view.kind]} " + " ".join(render_msg(m, locale) for m in view.messages)]
    if view.suggestions:
        lines.append(
            t("md.did_you_mean", locale) + " " + ", ".join(code(s) for s in view.suggestions) + "?"
        )
    if view.usage_of is not None:
        lines.append(f"{t('md.usage', locale)}: {code(usage(view.usage_of, locale))}")
        lines.append(t("md.usage_more", locale, command=view.usage_of.name))
    elif view.kind is ErrorKind.UNKNOWN_COMMAND:
        lines.append(t("md.help_hint", locale))
    return "\n".join(lines)


def markdown(view: ErrorView | NoticeView, locale: str) -> str:
    """The markdown of an error or a notice."""
    if isinstance(view, NoticeView):
        return "\n".join(render_msg(m, locale) for m in view.messages)
    return _error(view, locale)
