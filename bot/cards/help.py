"""``help`` and ``help <command>``, worded from the registry."""

from __future__ import annotations

from bot.cards._md import code, fit, msg
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


def markdown(view: HelpView | CommandHelpView, locale: str) -> str:
    """The markdown of the command list or of one command's help."""
    if isinstance(view, HelpView):
        return _list(view, locale)
    return _detail(view, locale)
