"""Errors and short notices: bad input, not found, refused, forbidden, did-you-mean, apologies."""

from __future__ import annotations

from typing import Any

from bot.cards import _ac as ac
from bot.cards._md import code, render_msg
from bot.cards._render import card_renderer, markdown_renderer
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


@markdown_renderer
def markdown(view: ErrorView | NoticeView, locale: str) -> str:
    """The markdown of an error or a notice."""
    if isinstance(view, NoticeView):
        return "\n".join(render_msg(m, locale) for m in view.messages)
    return _error(view, locale)


# --- Adaptive Cards ------------------------------------------------------------------------------

MAX_SUGGESTION_BUTTONS = 3
#: Card actions a suggestion may run with one click: read-only ones only. A suggestion is either
#: a command name (run without arguments) or a value for the only argument of the failed command.
_READ_ONLY = {"status": "status.list", "explain": "state.explain"}


def _suggestion_buttons(view: ErrorView, locale: str) -> list[dict[str, Any]]:
    buttons: list[dict[str, Any]] = []
    for suggestion in view.suggestions[:MAX_SUGGESTION_BUTTONS]:
        button = None
        if view.kind is ErrorKind.UNKNOWN_COMMAND and suggestion == "status":
            button = ac.submit(
                t("card.try", locale, command=suggestion), "status.list", {"filters": ""}
            )
        elif view.usage_of is not None and view.usage_of.name == "explain":
            line = f"explain {suggestion}"
            button = ac.submit(
                t("card.try", locale, command=line), _READ_ONLY["explain"], {"state": suggestion}
            )
        if button is not None:
            buttons.append(button)
    return buttons


def _error_card(view: ErrorView, locale: str) -> dict[str, Any]:
    runs: list[dict[str, Any]] = [ac.run(_ICON[view.kind] + " ")]
    for i, m in enumerate(view.messages):
        if i:
            runs.append(ac.run(" "))
        runs += ac.msg_runs(m.key, locale, **dict(m.params))
    body: list[dict[str, Any]] = [ac.rich(*runs)]
    if view.suggestions:
        suggested: list[dict[str, Any]] = [ac.run(t("md.did_you_mean", locale) + " ")]
        for i, s in enumerate(view.suggestions):
            if i:
                suggested.append(ac.run(", "))
            suggested.append(ac.run(s, fontType="monospace"))
        suggested.append(ac.run("?"))
        body.append(ac.rich(*suggested))
    if view.usage_of is not None:
        body.append(
            ac.field(
                t("md.usage", locale),
                ac.literal(usage(view.usage_of, locale), fontType="monospace"),
            )
        )
        body.append(ac.md(t("md.usage_more", locale, command=view.usage_of.name), isSubtle=True))
    elif view.kind is ErrorKind.UNKNOWN_COMMAND:
        body.append(ac.md(t("md.help_hint", locale), isSubtle=True))
    # One suggestion a row: "Try: explain Neověřeno" twice across is wider than a phone.
    body += [ac.action_set(button) for button in _suggestion_buttons(view, locale)]
    return ac.card(body)


@card_renderer
def card(view: ErrorView | NoticeView, locale: str) -> dict[str, Any] | None:
    """The card of an error, with read-only suggestions as buttons; a notice has none."""
    if isinstance(view, NoticeView):
        return None
    return _error_card(view, locale)
