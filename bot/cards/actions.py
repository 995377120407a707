"""What an action did, and the confirmation it waits for (retry, delete, package, resend)."""

from __future__ import annotations

from typing import Any

from bot.cards import _ac as ac
from bot.cards._md import code, esc, msg, status_label, when
from bot.cards._render import card_renderer, markdown_renderer
from commands.views import ActionResultView, ConfirmAction, ConfirmView
from i18n import has, t

_ACTION_KEYS = {
    "retry": "action.retry",
    "delete": "action.delete",
    "package": "action.package",
    "resend": "md.action.resend",
}


def action_label(action: str, locale: str) -> str:
    """The Partner Hub label of an action (Czech: exactly Partner Hub's words), plain text."""
    key = _ACTION_KEYS.get(action)
    return t(key, locale) if key else action


def _shown(view: ActionResultView) -> str:
    # A card button names the user by subscriber id; people know them by email or BroadWorks ID.
    # What a person typed is echoed as they typed it.
    sub = view.outcome.subscriber
    if sub is not None and view.target == sub.id:
        return sub.email or sub.user_id
    return view.target


def _result(view: ActionResultView, locale: str) -> str:
    outcome = view.outcome
    verdict = t("md.result.ok" if outcome.ok else "md.result.failed", locale)
    icon = "✅" if outcome.ok else "❌"
    label = esc(action_label(view.action, locale))
    lines = [f"{icon} **{label}** {code(_shown(view))}: {verdict}"]
    for step in outcome.steps:
        text = msg(step.key, locale, **dict(step.params)) if has(step.key) else esc(step.key)
        lines.append(f"- {'✔' if step.ok else '✖'} {text}")
    sub = outcome.subscriber
    if sub is not None:
        lines.append(
            msg(
                "md.result.now",
                locale,
                status=status_label(sub.status, locale),
                ref=sub.email or sub.user_id,
            )
        )
    return "\n".join(lines)


def _confirm_key(view: ConfirmView) -> str:
    return "md.confirm.delete" if view.action is ConfirmAction.DELETE else "md.confirm.resend"


def _confirm(view: ConfirmView, locale: str) -> str:
    what = action_label(view.action.value, locale)
    key = _confirm_key(view)
    return "\n".join(
        [
            f"⚠️ {msg(key, locale, action=what, target=view.target, count=view.count)}",
            msg(
                "md.confirm.how",
                locale,
                command=f"confirm {view.code}",
                until=when(view.expires_at, locale),
                cancel=f"cancel {view.code}",
            ),
        ]
    )


@markdown_renderer
def markdown(view: ActionResultView | ConfirmView, locale: str) -> str:
    """The markdown of an action's result or of a pending confirmation."""
    if isinstance(view, ConfirmView):
        return _confirm(view, locale)
    return _result(view, locale)


# --- Adaptive Cards ------------------------------------------------------------------------------


def _confirm_card(view: ConfirmView, locale: str) -> dict[str, Any]:
    what = action_label(view.action.value, locale)
    key = _confirm_key(view)
    until = when(view.expires_at, locale)
    body = [
        ac.rich(
            ac.run("⚠️ "),
            *ac.msg_runs(key, locale, action=what, target=view.target, count=view.count),
        ),
        ac.msg("card.confirm.until", locale, until=until),
        ac.msg(
            "md.confirm.how",
            locale,
            block={"isSubtle": True},
            command=f"confirm {view.code}",
            until=until,
            cancel=f"cancel {view.code}",
        ),
    ]
    # The code is the single-use token: the server refuses it once used, expired or not yours.
    actions = [
        ac.submit(t("card.confirm", locale), "confirm", {"code": view.code}, style="destructive"),
        ac.submit(t("card.cancel", locale), "cancel", {"code": view.code}),
    ]
    return ac.card(body, actions)


def _result_card(view: ActionResultView, locale: str) -> dict[str, Any]:
    outcome = view.outcome
    verdict = t("md.result.ok" if outcome.ok else "md.result.failed", locale)
    sub = outcome.subscriber
    shown = _shown(view)
    body: list[dict[str, Any]] = [
        ac.rich(
            ac.run("✅ " if outcome.ok else "❌ "),
            ac.run(action_label(view.action, locale), weight="bolder"),
            " ",
            ac.run(shown, fontType="monospace"),
            f": {verdict}",
        )
    ]
    for step in outcome.steps:
        mark = ac.run("✔ " if step.ok else "✖ ", color="good" if step.ok else "attention")
        if has(step.key):
            body.append(ac.rich(mark, *ac.msg_runs(step.key, locale, **dict(step.params))))
        else:
            body.append(ac.rich(mark, ac.run(step.key)))
    actions: list[dict[str, Any]] = []
    if sub is not None:
        body.append(
            ac.msg(
                "md.result.now",
                locale,
                status=status_label(sub.status, locale),
                ref=sub.email or sub.user_id,
            )
        )
        actions.append(ac.submit(t("card.show_user", locale), "user.status", {"user": sub.id}))
    elif view.action == "resend" and "@" in view.target and "," not in view.target:
        actions.append(ac.submit(t("card.show_state", locale), "user.state", {"user": view.target}))
    return ac.card(body, actions)


@card_renderer
def card(view: ActionResultView | ConfirmView, locale: str) -> dict[str, Any] | None:
    """The card of an action's result (with a way back to the user) or of a confirmation."""
    if isinstance(view, ConfirmView):
        return _confirm_card(view, locale)
    return _result_card(view, locale)
