"""Control Hub user states: counts, one user, who is stuck, what a state means."""

from __future__ import annotations

from typing import Any

from bot.cards import _ac as ac
from bot.cards._md import code, esc, fit, msg
from bot.cards._render import card_renderer, markdown_renderer
from commands.views import (
    ExplainView,
    Label,
    StateCertainty,
    StatesView,
    StuckView,
    UserStateView,
)
from i18n import numbers, t
from onboarding import lifecycle
from onboarding.model import ControlHubState


def _count(view: StatesView, state: ControlHubState, locale: str) -> str:
    hidden = view.delayed_claim_hidden and state is ControlHubState.DELAYED_CLAIM
    return "?" if hidden else numbers.number(view.counts.get(state, 0), locale)


def _days(n: int, locale: str) -> str:
    return t("lifecycle.days", locale, n=n)  # "7 days", "7 dní"


def _state_notes(view: StatesView, state: ControlHubState, locale: str) -> list[str]:
    """What the provider cannot tell about ``state``'s count (Webex: see webex_controlhub)."""
    if state is ControlHubState.ACTIVE and view.uncertain:
        why = Label("webex.state.active_or_verified")
        return ["❔ " + msg("webex.states.uncertain", locale, n=view.uncertain, why=why)]
    if state is ControlHubState.DELAYED_CLAIM and view.delayed_claim_hidden:
        return ["❔ " + msg("webex.state.delayed_claim_hidden", locale)]
    return []


def _known_by(certainty: StateCertainty, locale: str) -> str | None:
    if certainty.basis is None:
        return None
    return msg(
        "webex.state.known_by",
        locale,
        confidence=Label(f"webex.state.confidence.{certainty.confidence}"),
        basis=Label(f"webex.state.basis.{certainty.basis}"),
    )


def _states(view: StatesView, locale: str) -> str:
    total = sum(view.counts.values())
    lines = [t("md.states.title", locale, n=total)]
    for state in ControlHubState:
        ex = lifecycle.explain_state(state, locale)
        lines.append(f"- **{ex.label}**: {_count(view, state, locale)} — {ex.meaning}")
        for step in ex.next_steps[:1]:
            lines.append(f"  - {step}")
        lines += [f"  - {note}" for note in _state_notes(view, state, locale)]
    if view.confidence:
        confidence = Label(f"webex.state.confidence.{view.confidence}")
        lines.append(msg("webex.states.known_by", locale, confidence=confidence))
    lines.append(msg("md.states.hint", locale))
    return "\n".join(lines)


def _label(view: UserStateView, locale: str) -> str:
    """The state's label, or the states it may be when the provider cannot tell."""
    if view.certainty is not None and view.certainty.candidates:
        return " / ".join(lifecycle.state_label(s, locale) for s in view.certainty.candidates)
    return lifecycle.state_label(view.user.state, locale)


def _user_notes(view: UserStateView, locale: str) -> tuple[list[str], list[str]]:
    """What the provider could not tell: (under the heading, at the end)."""
    certainty = view.certainty
    if certainty is None:
        return [], []
    top = ["❔ " + msg("webex.state.active_or_verified", locale)] if certainty.candidates else []
    end = [line for line in (_known_by(certainty, locale),) if line]
    if certainty.delayed_claim_hidden and view.user.state is ControlHubState.ACTIVE:
        end.append("❔ " + msg("webex.state.delayed_claim_hidden", locale))
    return top, end


def _user(view: UserStateView, locale: str) -> str:
    ex = lifecycle.explain_user(view.user, view.now, locale)
    user = view.user
    top, end = _user_notes(view, locale)
    label = _label(view, locale)
    lines = [f"**{esc(user.display_name or user.email)}** ({esc(user.email)}) — **{label}**"]
    lines.append(ex.since)
    lines += top
    if ex.deadline_text:
        lines.append(f"⏳ {ex.deadline_text}")
    lines.append(f"- {t('md.state.how', locale)}: {ex.how}")
    lines.append(f"- {t('md.state.meaning', locale)}: {ex.state.meaning}")
    lines.append(f"- {ex.state.services}")
    lines.append(f"- {t('md.state.next', locale)}: {ex.state.moves_on}")
    lines += [f"- {note}" for note in end]
    return "\n".join(lines)


def _stuck(view: StuckView, locale: str) -> str:
    head = [
        msg("md.stuck.title", locale, n=len(view.users), days=_days(view.not_verified_days, locale))
    ]
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


@markdown_renderer
def markdown(view: StatesView | UserStateView | StuckView | ExplainView, locale: str) -> str:
    """The markdown of a Control Hub state view."""
    if isinstance(view, StatesView):
        return _states(view, locale)
    if isinstance(view, UserStateView):
        return _user(view, locale)
    if isinstance(view, StuckView):
        return _stuck(view, locale)
    return _explain(view, locale)


# --- Adaptive Cards ------------------------------------------------------------------------------

CARD_STUCK = 15


def _state_choices(locale: str) -> list[tuple[str, str]]:
    return [(lifecycle.state_label(s, locale), s.value) for s in ControlHubState]


def _states_card(view: StatesView, locale: str) -> dict[str, Any]:
    total = sum(view.counts.values())
    body: list[dict[str, Any]] = [ac.md(t("md.states.title", locale, n=total))]
    # State labels, counts and meanings are all ours: safe in a FactSet.
    body.append(
        ac.facts(
            (lifecycle.state_label(s, locale), _count(view, s, locale)) for s in ControlHubState
        )
    )
    for state in ControlHubState:
        ex = lifecycle.explain_state(state, locale)
        body.append(ac.rich(ac.run(ex.label, weight="bolder"), ": ", ex.meaning, separator=True))
        for step in ex.next_steps[:1]:
            body.append(ac.rich("→ ", step, spacing="None", isSubtle=True))
        body += [ac.md(note, spacing="None") for note in _state_notes(view, state, locale)]
    if view.confidence:
        confidence = Label(f"webex.state.confidence.{view.confidence}")
        body.append(ac.md(msg("webex.states.known_by", locale, confidence=confidence)))
    body.append(ac.md(t("md.states.hint", locale), isSubtle=True))
    first = ControlHubState.NOT_VERIFIED.value
    body.append(
        ac.choice_set(
            "state",
            t("card.state", locale),
            _state_choices(locale),
            value=first,
            required=True,
            error=t("card.state.choose", locale),
        )
    )
    explain = ac.submit(t("card.explain", locale), "state.explain", {"state": first})
    return ac.card(body, [explain])


def _user_card(view: UserStateView, locale: str) -> dict[str, Any]:
    ex = lifecycle.explain_user(view.user, view.now, locale)
    user = view.user
    top, end = _user_notes(view, locale)
    body: list[dict[str, Any]] = [
        ac.rich(
            ac.run(user.display_name or user.email, weight="bolder", size="medium"),
            "  ",
            ac.run(_label(view, locale), weight="bolder", color=_COLOR[user.state]),
        ),
        ac.literal(user.email, isSubtle=True, spacing="None"),
        ac.literal(ex.since),
    ]
    body += [ac.md(note, color="warning") for note in top]
    if ex.deadline_text:
        color = "attention" if ex.deadline_passed or (ex.days_left or 0) <= 3 else "warning"
        body.append(
            ac.field(
                t("card.state.deadline", locale), ac.literal("⏳ " + ex.deadline_text, color=color)
            )
        )
    body.append(ac.field(t("md.state.how", locale), ex.how))
    body.append(ac.field(t("md.state.meaning", locale), ex.state.meaning))
    body.append(ac.literal(ex.state.services, isSubtle=True))
    body.append(ac.field(t("md.state.next", locale), ex.state.moves_on))
    body += [ac.md(note, isSubtle=True) for note in end]
    actions: list[dict[str, Any]] = []
    if "user.resend" in view.actions:
        actions.append(
            ac.submit(t("md.action.resend", locale), "user.resend", {"users": user.email})
        )
    actions.append(
        ac.submit(t("card.explain", locale), "state.explain", {"state": user.state.value})
    )
    return ac.card(body, actions)


def _stuck_card(view: StuckView, locale: str) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        ac.msg(
            "md.stuck.title", locale, n=len(view.users), days=_days(view.not_verified_days, locale)
        )
    ]
    shown = list(view.users)[:CARD_STUCK]
    for s in shown:
        user = s.user
        body.append(
            container_of(
                [
                    ac.rich(
                        ac.run(user.display_name or user.email, weight="bolder"),
                        " (",
                        ac.run(user.email),
                        ") ",
                        ac.run(lifecycle.state_label(user.state, locale), color=_COLOR[user.state]),
                    ),
                    ac.literal(
                        lifecycle.explain_stuck(user, s.reason, view.now, locale), spacing="None"
                    ),
                ]
            )
        )
    if len(view.users) > len(shown):
        body.append(
            ac.msg(
                "md.more_plain", locale, block={"isSubtle": True}, n=len(view.users) - len(shown)
            )
        )
    if not view.users:
        body.append(ac.md(t("md.stuck.none", locale)))
        return ac.card(body)
    emails = [s.user.email for s in shown]
    body.append(
        ac.choice_set(
            "user",
            t("card.user", locale),
            [
                (
                    ac.one_line(f"{s.user.display_name or s.user.email} — {s.user.email}")[:120],
                    s.user.email,
                )
                for s in shown
            ],
            value=emails[0],
            required=True,
            error=t("card.user.choose", locale),
        )
    )
    # The choice's button stands under it; the long re-send title gets the card's row alone.
    body.append(
        ac.action_set(ac.submit(t("card.show_state", locale), "user.state", {"user": emails[0]}))
    )
    actions = []
    if any(s.user.state is ControlHubState.NOT_VERIFIED for s in view.users):
        body.append(ac.md(t("md.stuck.resend", locale), isSubtle=True))
        # No users named: every Not verified user, which asks to confirm when more than one.
        actions.append(ac.submit(t("card.stuck.resend_all", locale), "user.resend", {"users": ""}))
    return ac.card(body, actions)


def container_of(items: list[dict[str, Any]]) -> dict[str, Any]:
    """One list entry, set apart from the previous one."""
    return ac.container(items, separator=True)


def _explain_card(view: ExplainView, locale: str) -> dict[str, Any]:
    ex = lifecycle.explain_state(view.state, locale)
    body: list[dict[str, Any]] = [
        ac.rich(
            ac.run(ex.label, weight="bolder", size="medium", color=_COLOR[view.state]),
            " ",
            ac.run(view.state.value, fontType="monospace", isSubtle=True),
        ),
        ac.literal(ex.meaning),
        ac.literal(ex.services, isSubtle=True),
        ac.field(t("md.state.next", locale), ex.moves_on),
    ]
    body += [ac.rich("→ ", step, spacing="Small") for step in ex.next_steps]
    if ex.ways_in:
        body.append(ac.text(t("md.state.ways_in", locale), weight="bolder", separator=True))
        body += [ac.rich("• ", way, spacing="Small") for way in ex.ways_in]
    return ac.card(body)


_COLOR = {
    ControlHubState.ACTIVE: "good",
    ControlHubState.VERIFIED: "good",
    ControlHubState.NOT_VERIFIED: "warning",
    ControlHubState.INACTIVE: "default",
    ControlHubState.DELAYED_CLAIM: "warning",
}


@card_renderer
def card(
    view: StatesView | UserStateView | StuckView | ExplainView, locale: str
) -> dict[str, Any] | None:
    """The card of a Control Hub state view."""
    if isinstance(view, StatesView):
        return _states_card(view, locale)
    if isinstance(view, UserStateView):
        return _user_card(view, locale)
    if isinstance(view, StuckView):
        return _stuck_card(view, locale)
    return _explain_card(view, locale)
