"""The audit trail (``audit [user|me] [days]``) as markdown and as an Adaptive Card.

Everything in an entry came from a person or a provider (the typed text, emails, error keys), so
the markdown shows it through ``esc``/``code`` and the card through ``TextRun``s, which Adaptive
Cards never read as markdown.
"""

from __future__ import annotations

from typing import Any

from bot.cards import _ac as ac
from bot.cards._md import MAX_BYTES, code, esc, msg, size, when
from commands.views import AuditLine, AuditView
from i18n import has, t

_TEXT_CHARS = 120  # a long message is cut in the list; the export has it whole
_ICON = {
    "ok": "✅",
    "pending": "⏳",
    "failed": "❌",
    "refused": "⛔",
    "throttled": "🐢",
    "invalid": "⚠️",
    "not_found": "🔍",
    "unavailable": "⏳",
    "error": "😞",
}


def result_label(result: str, locale: str) -> str:
    """A result worded in ``locale`` (unknown results as stored)."""
    key = f"audit.result.{result}"
    return t(key, locale) if has(key) else result


def _short(text: str | None) -> str:
    value = " ".join((text or "").split())
    return value if len(value) <= _TEXT_CHARS else value[: _TEXT_CHARS - 1] + "…"


def _what(line: AuditLine) -> str:
    return _short(line.text) or line.action


def _line(line: AuditLine, locale: str) -> str:
    parts = [
        when(line.at, locale),
        esc(line.actor),
        esc(line.via),
        code(_what(line)),
        f"{_ICON.get(line.result, '•')} {esc(result_label(line.result, locale))}",
    ]
    if line.target:
        parts.append(f"{t('md.audit.target', locale)} {code(line.target)}")
    if line.detail:
        parts.append(code(_short(line.detail)))
    return "- " + " · ".join(parts)


def _title(view: AuditView, locale: str) -> str:
    if view.who:
        return msg("md.audit.title_who", locale, who=view.who, days=view.days, total=view.total)
    return msg("md.audit.title", locale, days=view.days, total=view.total)


def markdown(view: AuditView, locale: str) -> str:
    """The entries, newest first, then "and N more" when some are not listed."""
    head = _title(view, locale)
    if not view.entries:
        return "\n".join([head, t("md.audit.none", locale)])
    lines = [_line(e, locale) for e in view.entries]
    # Shown lines are cut short, so all of them fit unless ids are absurdly long; if not, the
    # ones that do not fit join the "more" count rather than breaking Webex's size limit.
    kept: list[str] = []
    budget = MAX_BYTES - size(head) - size(msg("md.audit.more", locale, n=view.total)) - 4
    for line in lines:
        if size(line) + 1 > budget:
            break
        kept.append(line)
        budget -= size(line) + 1
    out = [head, *kept]
    hidden = view.total - len(kept)
    if hidden > 0:
        out.append(msg("md.audit.more", locale, n=hidden))
    return "\n".join(out)


# --- the card ----------------------------------------------------------------------------------


def _entry(line: AuditLine, locale: str) -> dict[str, Any]:
    runs = [
        ac.run(when(line.at, locale) + "  ", isSubtle=True),
        ac.run(line.actor, weight="bolder"),
        ac.run(f"  ({line.via})  ", isSubtle=True),
        ac.run(_what(line), fontType="monospace"),
        ac.run(f"  {_ICON.get(line.result, '•')} {result_label(line.result, locale)}"),
    ]
    if line.target:
        runs += [
            ac.run(f"  {t('md.audit.target', locale)} "),
            ac.run(line.target, fontType="monospace"),
        ]
    items = [ac.rich(*runs)]
    if line.detail:
        detail = _short(line.detail)
        items.append(ac.literal(detail, isSubtle=True, fontType="monospace", spacing="None"))
    return ac.container(items, separator=True)


def card(view: AuditView, locale: str) -> dict[str, Any]:
    """The audit trail as an Adaptive Card 1.3 (no buttons: it only reads)."""
    body: list[dict[str, Any]] = [
        ac.text(t("audit.card.title", locale), weight="bolder", size="medium"),
        ac.text(
            t("audit.card.summary", locale, days=view.days, total=view.total),
            isSubtle=True,
            spacing="None",
        ),
    ]
    if view.who:
        body.append(ac.rich(t("audit.card.who", locale), ac.run(view.who, fontType="monospace")))
    if not view.entries:
        body.append(ac.text(t("md.audit.none", locale)))
    body += [_entry(e, locale) for e in view.entries]
    if view.more:
        body.append(ac.literal(t("md.more_plain", locale, n=view.more), isSubtle=True))
    return ac.card(body)
