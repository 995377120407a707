"""The audit trail (``audit [user|me] [days]``) as markdown and as an Adaptive Card, for people.

Each entry says when, who, what (the command as typed, or the button by its label), which user
(email or BroadWorks ID) and the outcome in words. The machine form (catalog keys, card data as
JSON, subscriber ids) stays in the database and in ``onboard-bot audit export``.

Everything in an entry came from a person or a provider (the typed text, emails), so the markdown
shows it through ``esc``/``code`` and the card through ``TextRun``s, which Adaptive Cards never
read as markdown.
"""

from __future__ import annotations

import re
from typing import Any

from bot.cards import _ac as ac
from bot.cards._md import MAX_BYTES, code, esc, msg, size, when
from bot.cards._render import card_renderer, markdown_renderer
from commands.views import AuditLine, AuditView
from i18n import entries, has, placeholders, t

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
_KEY = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")
_NOTE = re.compile(r"\s*\(([^()]*)\)$")
_NO_ACCESS = ("access.other_org", "access.space_not_allowed", "access.unknown_person")


def plural(key: str, n: int, locale: str) -> str:
    """``key.one``/``.few``/``.many`` for ``n`` (Czech: 1, 2-4, 5+ and 0; English: 1, else)."""
    form = "one" if n == 1 else "few" if 2 <= n <= 4 else "many"
    return t(f"{key}.{form}", locale, n=n)


def result_label(result: str, locale: str) -> str:
    """A result worded in ``locale`` (unknown results as stored)."""
    key = f"audit.result.{result}"
    return t(key, locale) if has(key) else result


def _short(text: str | None) -> str:
    value = " ".join((text or "").split())
    return value if len(value) <= _TEXT_CHARS else value[: _TEXT_CHARS - 1] + "…"


def _label(key: str, fallback: str, locale: str) -> str:
    return t(key, locale) if has(key) else fallback


def reasons(line: AuditLine, locale: str) -> list[str]:
    """Why an entry ended as it did, in words (plain text; empty when the result says it all)."""
    detail = (line.detail or "").strip()
    if not detail:
        return []
    if line.result == "pending" and detail.startswith("confirmation "):
        return [t("audit.why.pending", locale, code=detail.removeprefix("confirmation "))]
    if detail.startswith("ref "):
        return [t("audit.why.ref", locale, ref=detail.removeprefix("ref "))]
    out: list[str] = []
    note = _NOTE.search(detail)
    if note is not None:
        detail = detail[: note.start()]
    for part in [p.strip() for p in detail.split(",")] + ([note.group(1)] if note else []):
        out += _reason(part, locale)
    return list(dict.fromkeys(out))


def _reason(part: str, locale: str) -> list[str]:
    if not part:
        return []
    if part in _NO_ACCESS:
        return [t("audit.why.no_access", locale)]
    if part == "already told":
        return [t("audit.why.already_told", locale)]
    if part.startswith("needs ") and has(f"role.{part.removeprefix('needs ')}"):
        return [t("audit.why.needs", locale, role=t(f"role.{part.removeprefix('needs ')}", locale))]
    if _KEY.match(part):
        # A key whose words need values the entry does not keep says nothing more than the
        # result; one without placeholders is shown in words.
        entry = entries().get(part)
        template = entry.get(locale) or entry["en"] if entry else None
        return [t(part, locale)] if template and not placeholders(template) else []
    return [part]  # already words (a provider's message)


def _what(line: AuditLine, locale: str) -> tuple[str, str]:
    """What was done: ``("typed", text)``, ``("button", label)`` or ``("service", label)``."""
    if line.action.startswith("service."):
        name = line.action.removeprefix("service.")
        return "service", _label(f"button.user.{name}", name, locale)
    if line.via == "card":
        return "button", _label(f"button.{line.action}", line.action, locale)
    return "typed", _short(line.text) or line.action


def _outcome(line: AuditLine, locale: str) -> str:
    words = result_label(line.result, locale)
    why = reasons(line, locale)
    return f"{words}: {'; '.join(why)}" if why else words


def _line(line: AuditLine, locale: str) -> str:
    kind, what = _what(line, locale)
    via = _label(f"audit.via.{line.via}", line.via, locale)
    shown = code(what) if kind == "typed" else msg(f"audit.what.{kind}", locale, label=what)
    parts = [when(line.at, locale), f"{esc(line.actor)} ({esc(via)})", shown]
    if line.target:
        parts.append(f"{t('md.audit.target', locale)} {code(line.target)}")
    parts.append(f"{_ICON.get(line.result, '•')} {esc(_outcome(line, locale))}")
    return "- " + " · ".join(parts)


def _counts(view: AuditView, locale: str) -> dict[str, str]:
    return {
        "span": plural("audit.span", view.days, locale),
        "entries": plural("audit.entries", view.total, locale),
    }


def _title(view: AuditView, locale: str) -> str:
    if view.who:
        return msg("md.audit.title_who", locale, who=view.who, **_counts(view, locale))
    return msg("md.audit.title", locale, **_counts(view, locale))


@markdown_renderer
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
    kind, what = _what(line, locale)
    via = _label(f"audit.via.{line.via}", line.via, locale)
    runs = [
        ac.run(when(line.at, locale) + "  ", isSubtle=True),
        ac.run(line.actor, weight="bolder"),
        ac.run(f"  ({via})  ", isSubtle=True),
    ]
    if kind == "typed":
        runs.append(ac.run(what, fontType="monospace"))
    else:
        runs += ac.msg_runs(f"audit.what.{kind}", locale, label=what)
    if line.target:
        runs += [
            ac.run(f"  {t('md.audit.target', locale)} "),
            ac.run(line.target, fontType="monospace"),
        ]
    runs.append(ac.run(f"  {_ICON.get(line.result, '•')} {_outcome(line, locale)}"))
    return ac.container([ac.rich(*runs)], separator=True)


@card_renderer
def card(view: AuditView, locale: str) -> dict[str, Any]:
    """The audit trail as an Adaptive Card 1.3 (no buttons: it only reads)."""
    body: list[dict[str, Any]] = [
        ac.text(t("audit.card.title", locale), weight="bolder", size="medium"),
        ac.text(
            t("audit.card.summary", locale, **_counts(view, locale)),
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
