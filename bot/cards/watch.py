"""Watches: the list of a space's watches, and the alerts they post (grouped, with error texts)."""

from __future__ import annotations

from typing import Any

from bot.cards import _ac as ac
from bot.cards._md import code, esc, fit, msg, when
from bot.cards._render import card_renderer, markdown_renderer
from commands.history_views import WatchAlertView, WatchListView
from i18n import t
from onboarding import lifecycle
from onboarding.watch import ErrorAlert, Watch, WatchKind

_ERROR_CHARS = 300
CARD_ITEMS = 15


def describe(watch: Watch, locale: str) -> str:
    """A watch in words: what it posts about."""
    if watch.kind is WatchKind.STUCK:
        return t("watch.kind.stuck", locale)
    if watch.customer:
        return t("watch.kind.errors_of", locale, customer=watch.customer)
    return t("watch.kind.errors", locale)


def _list(view: WatchListView, locale: str) -> str:
    lines = []
    if view.stopped is not None:
        lines.append(msg("watch.stopped", locale, n=view.stopped))
    if view.saved is not None:
        lines.append(
            msg("watch.saved", locale, id=view.saved.id, what=describe(view.saved, locale))
        )
    lines.append(msg("watch.list.title", locale))
    lines += [
        f"- **#{w.id}** " + esc(describe(w, locale)) + " · " + esc(w.created_by)
        for w in view.watches
    ]
    if not view.watches:
        lines.append(msg("watch.list.none", locale))
    return "\n".join(lines)


def _error_line(alert: ErrorAlert, locale: str, error_text: bool) -> str:
    who = esc(alert.email) if alert.email else t("md.no_email", locale)
    head = f"- {code(alert.user_id)} · {who} · {esc(alert.customer)} · {when(alert.at, locale)}"
    if alert.code is None:
        return head
    if not error_text:
        return f"{head}\n  {code(alert.code)}"
    text, _ = ac.clip(ac.one_line(alert.text or ""), _ERROR_CHARS)
    return f"{head}\n  {code(alert.code)} {code(text)}"


def _alert(view: WatchAlertView, locale: str) -> str:
    what = esc(describe(view.watch, locale))
    if view.watch.kind is WatchKind.ERRORS:
        head = [msg("watch.alert.errors", locale, n=len(view.errors), what=what)]
        items = [_error_line(a, locale, view.error_text) for a in view.errors]
        tail = [msg("watch.alert.errors_next", locale)]
        if not view.error_text:
            tail.append(t("digest.error_hint_viewers", locale))
    else:
        head = [msg("watch.alert.stuck", locale, n=len(view.stuck))]
        now = view.now or view.watch.created_at
        items = [
            f"- **{esc(s.user.display_name or s.user.email)}** ({esc(s.user.email)}): "
            + esc(lifecycle.explain_stuck(s.user, s.reason, now, locale))
            for s in view.stuck
        ]
        tail = [msg("watch.alert.stuck_next", locale)]
    return fit(head, items, tail, lambda n: msg("md.more_plain", locale, n=n))


@markdown_renderer
def markdown(view: WatchListView | WatchAlertView, locale: str) -> str:
    """A space's watches, or one alert."""
    if isinstance(view, WatchListView):
        return _list(view, locale)
    return _alert(view, locale)


def _alert_card(view: WatchAlertView, locale: str) -> dict[str, Any]:
    body: list[dict[str, Any]] = []
    if view.watch.kind is WatchKind.ERRORS:
        title = t(
            "watch.card.errors", locale, n=len(view.errors), what=describe(view.watch, locale)
        )
        body.append(ac.rich(ac.run("🔔 " + title, weight="bolder", size="medium")))
        for alert in view.errors[:CARD_ITEMS]:
            items = [
                ac.rich(
                    ac.run(alert.user_id, fontType="monospace", weight="bolder"),
                    " · ",
                    ac.run(alert.email or t("md.no_email", locale)),
                    f" · {alert.customer} · {when(alert.at, locale)}",
                )
            ]
            if alert.code is not None:
                text, _ = ac.clip(ac.one_line(alert.text or ""), _ERROR_CHARS)
                shown: list[ac.Element | str] = (
                    [" ", ac.run(text, fontType="monospace")] if view.error_text else []
                )
                items.append(
                    ac.rich(
                        ac.run(str(alert.code), fontType="monospace", color="attention"),
                        *shown,
                    )
                )
            body.append(ac.container(items, separator=True))
        more = len(view.errors) - CARD_ITEMS
        first = view.errors[0].user_id if view.errors else None
        actions = (
            [ac.submit(t("button.user.why", locale), "user.why", {"user": first})] if first else []
        )
    else:
        title = t("watch.card.stuck", locale, n=len(view.stuck))
        body.append(ac.rich(ac.run("🔔 " + title, weight="bolder", size="medium")))
        now = view.now or view.watch.created_at
        for s in view.stuck[:CARD_ITEMS]:
            body.append(
                ac.container(
                    [
                        ac.rich(ac.run(s.user.display_name or s.user.email, weight="bolder")),
                        ac.literal(lifecycle.explain_stuck(s.user, s.reason, now, locale)),
                    ],
                    separator=True,
                )
            )
        more = len(view.stuck) - CARD_ITEMS
        actions = []
    if more > 0:
        body.append(ac.text(t("watch.card.more", locale, n=more), isSubtle=True))
    if view.errors and not view.error_text:
        body.append(ac.md(t("digest.error_hint_viewers", locale), isSubtle=True))
    return ac.card(body, actions)


@card_renderer
def card(view: WatchListView | WatchAlertView, locale: str) -> dict[str, Any] | None:
    """The alert as a card; a list of watches is markdown only."""
    if isinstance(view, WatchListView):
        return None
    return _alert_card(view, locale)
