"""Control Hub user states: counts, one user, who is stuck, what a state means."""

from __future__ import annotations

from bot.cards._md import code, esc, fit, msg
from commands.views import ExplainView, StatesView, StuckView, UserStateView
from i18n import t
from onboarding import lifecycle
from onboarding.model import ControlHubState


def _states(view: StatesView, locale: str) -> str:
    total = sum(view.counts.values())
    lines = [t("md.states.title", locale, n=total)]
    for state in ControlHubState:
        ex = lifecycle.explain_state(state, locale)
        lines.append(f"- **{ex.label}**: {view.counts.get(state, 0)} — {ex.meaning}")
        for step in ex.next_steps[:1]:
            lines.append(f"  - {step}")
    lines.append(msg("md.states.hint", locale))
    return "\n".join(lines)


def _user(view: UserStateView, locale: str) -> str:
    ex = lifecycle.explain_user(view.user, view.now, locale)
    user = view.user
    lines = [
        f"**{esc(user.display_name or user.email)}** ({esc(user.email)}) — **{ex.state.label}**"
    ]
    lines.append(ex.since)
    if ex.deadline_text:
        lines.append(f"⏳ {ex.deadline_text}")
    lines.append(f"- {t('md.state.how', locale)}: {ex.how}")
    lines.append(f"- {t('md.state.meaning', locale)}: {ex.state.meaning}")
    lines.append(f"- {ex.state.services}")
    lines.append(f"- {t('md.state.next', locale)}: {ex.state.moves_on}")
    return "\n".join(lines)


def _stuck(view: StuckView, locale: str) -> str:
    head = [msg("md.stuck.title", locale, n=len(view.users), days=view.not_verified_days)]
    items = [
        f"- **{esc(s.user.display_name or s.user.email)}** ({esc(s.user.email)}): "
        + lifecycle.explain_stuck(s.user, s.reason, view.now, locale)
        for s in view.users
    ]
    tail = [] if items else [t("md.stuck.none", locale)]
    if any(s.user.state is ControlHubState.NOT_VERIFIED for s in view.users):
        tail.append(msg("md.stuck.resend", locale))
    return fit(head, items, tail, lambda n: msg("md.more_plain", locale, n=n))


def _explain(view: ExplainView, locale: str) -> str:
    ex = lifecycle.explain_state(view.state, locale)
    lines = [f"**{ex.label}** ({code(view.state.value)})", ex.meaning, f"- {ex.services}"]
    lines.append(f"- {t('md.state.next', locale)}: {ex.moves_on}")
    lines += [f"  - {step}" for step in ex.next_steps]
    if ex.ways_in:
        lines.append(f"{t('md.state.ways_in', locale)}:")
        lines += [f"- {way}" for way in ex.ways_in]
    return "\n".join(lines)


def markdown(view: StatesView | UserStateView | StuckView | ExplainView, locale: str) -> str:
    """The markdown of a Control Hub state view."""
    if isinstance(view, StatesView):
        return _states(view, locale)
    if isinstance(view, UserStateView):
        return _user(view, locale)
    if isinstance(view, StuckView):
        return _stuck(view, locale)
    return _explain(view, locale)
