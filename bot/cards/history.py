"""A user's history: status changes and what people did, newest first, as markdown and a card."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.cards import _ac as ac
from bot.cards._md import Raw, code, esc, msg, name_of, status_label, when
from bot.cards._render import card_renderer, markdown_renderer
from commands.history_views import HistoryView
from i18n import t
from onboarding.history import Cause, Change, Deed, Event
from onboarding.model import ProvisioningStatus

#: Events a card shows at most (the markdown shows every one the view holds).
CARD_EVENTS = 15
_ERROR_CHARS = 200


def _status(status: ProvisioningStatus | None, locale: str) -> str:
    return t("history.unknown", locale) if status is None else status_label(status, locale)


def _cause(change: Change, locale: str, say: Callable[..., str] = t) -> str:
    """Who or what moved the user, in words (the audit entry's number when there is one).

    ``say`` is ``t`` for a card's literal runs and ``msg`` (escaping the actor) for markdown.
    """
    if change.cause is Cause.SYNC:
        return say("history.cause.sync", locale)
    key = "history.cause.card" if change.cause is Cause.CARD else "history.cause.command"
    words = say(key, locale, actor=change.actor or "?")
    if change.audit_id is not None:
        words += " " + say("history.audit_ref", locale, id=change.audit_id)
    return words


def _deed_words(deed: Deed, locale: str) -> str:
    what = t(f"history.deed.{deed.action}", locale, value=deed.text or "")
    result = t(f"history.result.{deed.result}", locale) if _known_result(deed) else deed.result
    return t("history.deed", locale, actor=deed.actor, what=what, result=result)


def _known_result(deed: Deed) -> bool:
    return deed.result in ("ok", "failed", "refused", "invalid", "not_found", "error")


def _change_line(change: Change, locale: str) -> str:
    line = msg(
        "history.md.change",
        locale,
        at=when(change.at, locale),
        before=_status(change.before, locale),
        after=_status(change.after, locale),
        cause=Raw(_cause(change, locale, msg)),
    )
    if change.error_code is not None:
        text, _ = ac.clip(ac.one_line(change.error_text or ""), _ERROR_CHARS)
        line += f"\n  {code(change.error_code)} {code(text)}"
    return line


def _deed_line(deed: Deed, locale: str) -> str:
    return f"- {when(deed.at, locale)} · 👤 {esc(_deed_words(deed, locale))}"


def _line(event: Event, locale: str) -> str:
    return _change_line(event, locale) if isinstance(event, Change) else _deed_line(event, locale)


@markdown_renderer
def markdown(view: HistoryView, locale: str) -> str:
    """The timeline as a list, newest first."""
    tl = view.timeline
    sub = tl.subscriber
    lines = [msg("history.md.title", locale, name=name_of(sub), user=sub.user_id)]
    lines.append(
        msg(
            "history.md.now",
            locale,
            status=status_label(sub.status, locale),
            failures=tl.failures,
            retries=len(tl.retries),
        )
    )
    if not tl.events:
        lines.append(t("history.empty", locale))
    lines += [_line(e, locale) for e in tl.events]
    if tl.truncated:
        lines.append("_" + t("history.truncated", locale) + "_")
    return "\n".join(lines)


def _change_item(change: Change, locale: str) -> dict[str, Any]:
    items = [
        ac.rich(
            ac.run(when(change.at, locale), isSubtle=True),
            " · ",
            ac.run(_status(change.before, locale)),
            " → ",
            ac.run(_status(change.after, locale), weight="bolder"),
        ),
        ac.rich(ac.run(_cause(change, locale), isSubtle=True)),
    ]
    if change.error_code is not None:
        text, _ = ac.clip(ac.one_line(change.error_text or ""), _ERROR_CHARS)
        items.append(
            ac.rich(
                ac.run(str(change.error_code), fontType="monospace", color="attention"),
                " ",
                ac.run(text, fontType="monospace"),
            )
        )
    return ac.container(items, separator=True)


def _deed_item(deed: Deed, locale: str) -> dict[str, Any]:
    return ac.container(
        [
            ac.rich(
                ac.run(when(deed.at, locale), isSubtle=True),
                " · 👤 ",
                ac.run(_deed_words(deed, locale)),
            )
        ],
        separator=True,
    )


@card_renderer
def card(view: HistoryView, locale: str) -> dict[str, Any] | None:
    """The timeline card: a line per event, the newest first, and the user's next steps."""
    tl = view.timeline
    sub = tl.subscriber
    body: list[dict[str, Any]] = [
        ac.rich(
            ac.run(t("history.card.title", locale), weight="bolder", size="medium"),
            " ",
            ac.run(sub.display_name or sub.user_id, weight="bolder", size="medium"),
        ),
        ac.rich(ac.run(sub.user_id, fontType="monospace", isSubtle=True)),
        ac.text(
            t(
                "history.card.now",
                locale,
                status=status_label(sub.status, locale),
                failures=tl.failures,
                retries=len(tl.retries),
            )
        ),
    ]
    if not tl.events:
        body.append(ac.text(t("history.empty", locale), isSubtle=True))
    for event in tl.events[:CARD_EVENTS]:
        body.append(
            _change_item(event, locale) if isinstance(event, Change) else _deed_item(event, locale)
        )
    if len(tl.events) > CARD_EVENTS or tl.truncated:
        body.append(ac.text(t("history.card.more", locale), isSubtle=True))
    ref = sub.email or sub.user_id
    buttons = [
        ac.submit(t("button.user.why", locale), "user.why", {"user": ref}),
        ac.submit(t("button.user.status", locale), "user.status", {"user": ref}),
    ]
    return ac.card(body, buttons)
