"""What an action did, and the confirmation it waits for (retry, delete, package, resend)."""

from __future__ import annotations

from bot.cards._md import code, esc, msg, status_label, when
from commands.views import ActionResultView, ConfirmView
from i18n import has, t

_ACTION_KEYS = {
    "retry": "action.retry",
    "delete": "action.delete",
    "package": "action.package",
    "resend": "md.action.resend",
}


def action_label(action: str, locale: str) -> str:
    """The Partner Hub label of an action (Czech: exactly Partner Hub's words)."""
    key = _ACTION_KEYS.get(action)
    return t(key, locale) if key else esc(action)


def _result(view: ActionResultView, locale: str) -> str:
    outcome = view.outcome
    verdict = t("md.result.ok" if outcome.ok else "md.result.failed", locale)
    icon = "✅" if outcome.ok else "❌"
    lines = [f"{icon} **{action_label(view.action, locale)}** {code(view.target)}: {verdict}"]
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


def _confirm(view: ConfirmView, locale: str) -> str:
    what = action_label(view.action.value, locale)
    key = "md.confirm.delete" if view.action.value == "delete" else "md.confirm.resend"
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


def markdown(view: ActionResultView | ConfirmView, locale: str) -> str:
    """The markdown of an action's result or of a pending confirmation."""
    if isinstance(view, ConfirmView):
        return _confirm(view, locale)
    return _result(view, locale)
