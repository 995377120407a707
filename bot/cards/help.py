"""``help`` and ``help <command>``, worded from the registry."""

from __future__ import annotations

from typing import Any

from bot.cards import _ac as ac
from bot.cards._md import code, fit, msg
from bot.cards._render import card_renderer, markdown_renderer
from commands.registry import ArgKind, CommandSpec
from commands.views import CommandHelpView, HelpView
from i18n import has, t


def usage(spec: CommandSpec, locale: str) -> str:
    """The usage line of a command: ``retry <user> <email>``, optional ones in brackets."""
    if spec.usage_key:
        return t(spec.usage_key, locale)
    parts = [spec.name]
    for arg in spec.args:
        label = t(arg.label_key, locale) + ("…" if arg.variadic else "")
        parts.append(f"<{label}>" if arg.required else f"[{label}]")
    return " ".join(parts)


def _list(view: HelpView, locale: str) -> str:
    head = [msg("md.help.title", locale, role=t(view.role.key, locale))]
    items = [f"- {code(usage(s, locale))} — {t(s.help_key, locale)}" for s in view.commands]
    tail = []
    if view.hidden:
        tail.append("_" + t("md.help.hidden", locale, n=view.hidden) + "_")
    tail.append(msg("md.help.more", locale))
    return fit(head, items, tail, lambda n: msg("md.more_plain", locale, n=n))


def _detail(view: CommandHelpView, locale: str) -> str:
    spec = view.command
    lines = [f"**{code(usage(spec, locale))}** — {t(spec.help_key, locale)}"]
    for arg in spec.args:
        doc_key = f"argdoc.{arg.kind.value}"
        if has(doc_key):
            lines.append(f"- {code('<' + t(arg.label_key, locale) + '>')}: {t(doc_key, locale)}")
        if arg.kind is ArgKind.FILTERS:
            lines.append(t("md.help.filters", locale))
    if spec.aliases:
        lines.append(f"{t('md.help.aliases', locale)}: " + ", ".join(code(a) for a in spec.aliases))
    if spec.examples:
        lines.append(
            f"{t('md.help.examples', locale)}: " + " · ".join(code(e) for e in spec.examples)
        )
    role = t(spec.role.key, locale)
    lines.append(
        "_" + t("md.help.role" if view.allowed else "md.help.role_missing", locale, role=role) + "_"
    )
    return "\n".join(lines)


@markdown_renderer
def markdown(view: HelpView | CommandHelpView, locale: str) -> str:
    """The markdown of the command list or of one command's help."""
    if isinstance(view, HelpView):
        return _list(view, locale)
    return _detail(view, locale)


# --- Adaptive Cards ------------------------------------------------------------------------------

#: Card actions safe to offer as a shortcut: read-only, and runnable without arguments.
_SHORTCUTS = {"status": "status.list"}


def _list_card(view: HelpView, locale: str) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        ac.msg("md.help.title", locale, role=t(view.role.key, locale)),
    ]
    for spec in view.commands:
        body.append(
            ac.rich(
                ac.run(usage(spec, locale), fontType="monospace", weight="bolder"),
                " — ",
                *ac.md_runs(t(spec.help_key, locale)),
                spacing="Small",
            )
        )
    if view.hidden:
        body.append(ac.msg("md.help.hidden", locale, block={"isSubtle": True}, n=view.hidden))
    body.append(ac.msg("md.help.more", locale, block={"isSubtle": True}))
    actions = []
    if any(s.name == "status" for s in view.commands):
        actions.append(ac.submit(t("card.help.users", locale), "status.list", {"filters": ""}))
    return ac.card(body, actions)


def _detail_card(view: CommandHelpView, locale: str) -> dict[str, Any]:
    spec = view.command
    body: list[dict[str, Any]] = [
        ac.rich(ac.run(usage(spec, locale), fontType="monospace", weight="bolder", size="medium")),
        ac.md(t(spec.help_key, locale)),
    ]
    for arg in spec.args:
        doc_key = f"argdoc.{arg.kind.value}"
        if has(doc_key):
            body.append(
                ac.rich(
                    ac.run(f"<{t(arg.label_key, locale)}>", fontType="monospace"),
                    ": ",
                    *ac.md_runs(t(doc_key, locale)),
                    spacing="Small",
                )
            )
        if arg.kind is ArgKind.FILTERS:
            body.append(ac.md(t("md.help.filters", locale), spacing="Small"))
    if spec.aliases:
        body.append(ac.field(t("md.help.aliases", locale), ", ".join(spec.aliases)))
    if spec.examples:
        runs: list[dict[str, Any]] = []
        for i, example in enumerate(spec.examples):
            if i:
                runs.append(ac.run(" · "))
            runs.append(ac.run(example, fontType="monospace"))
        body.append(ac.field(t("md.help.examples", locale), ac.rich(*runs)))
    key = "md.help.role" if view.allowed else "md.help.role_missing"
    body.append(ac.msg(key, locale, block={"isSubtle": True}, role=t(spec.role.key, locale)))
    actions = []
    shortcut = _SHORTCUTS.get(spec.name)
    if view.allowed and shortcut is not None:
        title = t("card.help.run", locale, command=spec.name)
        actions.append(ac.submit(title, shortcut, {"filters": ""}))
    return ac.card(body, actions)


@card_renderer
def card(view: HelpView | CommandHelpView, locale: str) -> dict[str, Any] | None:
    """The card of the command list or of one command's help."""
    if isinstance(view, HelpView):
        return _list_card(view, locale)
    return _detail_card(view, locale)
