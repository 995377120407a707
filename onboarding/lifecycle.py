"""The Control Hub user-state machine of domain.md §2, and the words that explain it.

``transition(state, event, facts)`` applies the entry rules of "How a user enters a state";
``explain_state``, ``explain_user``, ``next_steps`` and ``is_stuck`` serve the bot's ``state``,
``states`` and ``explain`` commands and the digests. Every user-facing word comes from the catalog
(``i18n/catalog/states.py``; the state labels are ``state.<value>`` in ``errors.py``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

from i18n import DEFAULT_LOCALE, numbers, t
from onboarding.errors import Refused
from onboarding.model import DELAYED_CLAIM_DAYS, ControlHubState, OrgUser

_S = ControlHubState
_STATE_VALUES = frozenset(s.value for s in ControlHubState)

#: How long a Delayed claim user has to decide (domain.md §2).
CLAIM_WINDOW = timedelta(days=DELAYED_CLAIM_DAYS)


class Event(StrEnum):
    """Something that happens to a user and may change their Control Hub state."""

    ADDED_BY_ADMIN = "added_by_admin"  # manually, by CSV or API: any method but AD sync / site link
    ADDED_BY_AD_SYNC = "added_by_ad_sync"
    ADDED_BY_SITE_LINKING = "added_by_site_linking"
    CONVERTED_FROM_OTHER_ORG = "converted_from_other_org"  # an immediate claim
    CLAIMED_DELAYED = "claimed_delayed"
    EMAIL_VERIFIED = "email_verified"
    FIRST_SIGN_IN = "first_sign_in"
    DEACTIVATED_BY_ADMIN = "deactivated_by_admin"
    DEACTIVATED_BY_AD_SYNC = "deactivated_by_ad_sync"
    REACTIVATED = "reactivated"
    CLAIM_DECIDED = "claim_decided"
    CLAIM_DEADLINE_PASSED = "claim_deadline_passed"


@dataclass(frozen=True, slots=True)
class Facts:
    """What a rule may depend on besides the state and the event; ``None`` means not known."""

    domain_verified: bool | None = None
    #: The user's state before the event: in the other org for a conversion, before the
    #: deactivation for a reactivation.
    previous_state: ControlHubState | None = None

    @classmethod
    def of(cls, user: OrgUser) -> Facts:
        """The facts recorded on ``user`` (``previous_state`` from ``user.facts``, if valid)."""
        raw = user.facts.get("previous_state", "")
        previous = ControlHubState(raw) if raw in _STATE_VALUES else None
        return cls(domain_verified=user.domain_verified, previous_state=previous)


class EntryRule(StrEnum):
    """One way into a state; its value is what ``OrgUser.how`` stores."""

    # Into Not verified
    ADDED_DOMAIN_NOT_VERIFIED = "added_domain_not_verified"
    CONVERTED_NOT_VERIFIED = "converted_not_verified"
    # Into Verified
    EMAIL_VERIFIED = "email_verified"
    ADDED_DOMAIN_VERIFIED = "added_domain_verified"
    ADDED_BY_SITE_LINKING = "added_by_site_linking"
    CONVERTED_VERIFIED = "converted_verified"
    CONVERTED_AFTER_DOMAIN_VERIFIED = "converted_after_domain_verified"
    # Into Active
    FIRST_SIGN_IN = "first_sign_in"
    AD_SYNC_DOMAIN_VERIFIED = "ad_sync_domain_verified"
    CONVERTED_ACTIVE = "converted_active"
    # Into Inactive
    DEACTIVATED_BY_ADMIN = "deactivated_by_admin"
    DEACTIVATED_BY_AD_SYNC = "deactivated_by_ad_sync"
    # Into and out of Delayed claim
    CLAIMED_DELAYED = "claimed_delayed"
    CLAIM_DECIDED = "claim_decided"
    CLAIM_DEFAULT_ACTION = "claim_default_action"
    # Out of Inactive (ours, not the article's)
    REACTIVATED_ACTIVE = "reactivated_active"
    REACTIVATED_VERIFIED = "reactivated_verified"
    REACTIVATED_NOT_VERIFIED = "reactivated_not_verified"

    @property
    def spec(self) -> RuleSpec:
        """The rule's sources, events, fact conditions and target."""
        return RULES[self]

    @property
    def target(self) -> ControlHubState:
        """The state this rule puts a user in."""
        return RULES[self].target


class RuleSource(StrEnum):
    """How far the Control Hub states article backs a rule."""

    ARTICLE = "article"  # stated in the article
    TARGET_INFERRED = "target_inferred"  # the article names the event, not the state it leads to
    ASSUMED = "assumed"  # not in the article at all


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """An entry rule as data: from ``sources`` on ``events``, when the facts match, to ``target``.

    A condition of ``None`` matches any value; otherwise the fact must be known and match.
    ``source`` says whether the article states the rule or how much of it is ours.
    """

    sources: frozenset[ControlHubState | None]
    events: frozenset[Event]
    target: ControlHubState
    domain_verified: bool | None = None
    previous_states: frozenset[ControlHubState] | None = None
    source: RuleSource = RuleSource.ARTICLE

    def allows(self, state: ControlHubState | None, event: Event) -> bool:
        """True when the rule is about ``event`` happening to a user in ``state``."""
        return state in self.sources and event in self.events

    def matches(self, facts: Facts) -> bool:
        """True when ``facts`` satisfy the rule's conditions (an unknown fact never does)."""
        if self.domain_verified is not None and facts.domain_verified is not self.domain_verified:
            return False
        return self.previous_states is None or facts.previous_state in self.previous_states


_NEW: frozenset[ControlHubState | None] = frozenset({None})
_IN_ORG: frozenset[ControlHubState | None] = frozenset(
    {_S.ACTIVE, _S.VERIFIED, _S.NOT_VERIFIED, _S.DELAYED_CLAIM}
)


def _rule(
    sources: frozenset[ControlHubState | None] | ControlHubState,
    events: Event | tuple[Event, ...],
    target: ControlHubState,
    *,
    domain_verified: bool | None = None,
    previous: ControlHubState | None = None,
    source: RuleSource = RuleSource.ARTICLE,
) -> RuleSpec:
    return RuleSpec(
        sources=sources if isinstance(sources, frozenset) else frozenset({sources}),
        events=frozenset(events if isinstance(events, tuple) else (events,)),
        target=target,
        domain_verified=domain_verified,
        previous_states=None if previous is None else frozenset({previous}),
        source=source,
    )


_R = EntryRule
_E = Event

#: Every entry rule. At most one rule matches any (state, event, facts): tests check it.
RULES: Mapping[EntryRule, RuleSpec] = MappingProxyType(
    {
        # "Added the user" covers every method, so AD sync with an unverified domain lands here too.
        _R.ADDED_DOMAIN_NOT_VERIFIED: _rule(
            _NEW,
            (_E.ADDED_BY_ADMIN, _E.ADDED_BY_AD_SYNC),
            _S.NOT_VERIFIED,
            domain_verified=False,
        ),
        _R.CONVERTED_NOT_VERIFIED: _rule(
            _NEW,
            _E.CONVERTED_FROM_OTHER_ORG,
            _S.NOT_VERIFIED,
            domain_verified=False,
            previous=_S.NOT_VERIFIED,
        ),
        _R.EMAIL_VERIFIED: _rule(_S.NOT_VERIFIED, _E.EMAIL_VERIFIED, _S.VERIFIED),
        _R.ADDED_DOMAIN_VERIFIED: _rule(_NEW, _E.ADDED_BY_ADMIN, _S.VERIFIED, domain_verified=True),
        # The article puts site linking under Verified with no domain condition, so the specific
        # rule wins over "added with an unverified domain".
        _R.ADDED_BY_SITE_LINKING: _rule(_NEW, _E.ADDED_BY_SITE_LINKING, _S.VERIFIED),
        _R.CONVERTED_VERIFIED: _rule(
            _NEW, _E.CONVERTED_FROM_OTHER_ORG, _S.VERIFIED, previous=_S.VERIFIED
        ),
        _R.CONVERTED_AFTER_DOMAIN_VERIFIED: _rule(
            _NEW,
            _E.CONVERTED_FROM_OTHER_ORG,
            _S.VERIFIED,
            domain_verified=True,
            previous=_S.NOT_VERIFIED,
        ),
        _R.FIRST_SIGN_IN: _rule(_S.VERIFIED, _E.FIRST_SIGN_IN, _S.ACTIVE),
        _R.AD_SYNC_DOMAIN_VERIFIED: _rule(
            _NEW, _E.ADDED_BY_AD_SYNC, _S.ACTIVE, domain_verified=True
        ),
        _R.CONVERTED_ACTIVE: _rule(
            _NEW, _E.CONVERTED_FROM_OTHER_ORG, _S.ACTIVE, previous=_S.ACTIVE
        ),
        _R.DEACTIVATED_BY_ADMIN: _rule(_IN_ORG, _E.DEACTIVATED_BY_ADMIN, _S.INACTIVE),
        _R.DEACTIVATED_BY_AD_SYNC: _rule(_IN_ORG, _E.DEACTIVATED_BY_AD_SYNC, _S.INACTIVE),
        _R.CLAIMED_DELAYED: _rule(_NEW, _E.CLAIMED_DELAYED, _S.DELAYED_CLAIM),
        # Where a delayed claim ends is not stated; the claim article says the account (and its
        # conversations) moves into the org. Delayed claim is offered only to users with content
        # to migrate, i.e. who used their old account (Active there), and converting an active
        # user makes them Active. Deciding also needs the user to sign in, which makes them
        # Active like any first sign-in. So both ends lead to Active.
        _R.CLAIM_DECIDED: _rule(
            _S.DELAYED_CLAIM, _E.CLAIM_DECIDED, _S.ACTIVE, source=RuleSource.TARGET_INFERRED
        ),
        _R.CLAIM_DEFAULT_ACTION: _rule(
            _S.DELAYED_CLAIM, _E.CLAIM_DEADLINE_PASSED, _S.ACTIVE, source=RuleSource.TARGET_INFERRED
        ),
        # Reactivation is not in the article. Deactivation undoes neither an email verification
        # nor a sign-in, so we return the user to the state they had before it.
        _R.REACTIVATED_ACTIVE: _rule(
            _S.INACTIVE, _E.REACTIVATED, _S.ACTIVE, previous=_S.ACTIVE, source=RuleSource.ASSUMED
        ),
        _R.REACTIVATED_VERIFIED: _rule(
            _S.INACTIVE,
            _E.REACTIVATED,
            _S.VERIFIED,
            previous=_S.VERIFIED,
            source=RuleSource.ASSUMED,
        ),
        _R.REACTIVATED_NOT_VERIFIED: _rule(
            _S.INACTIVE,
            _E.REACTIVATED,
            _S.NOT_VERIFIED,
            previous=_S.NOT_VERIFIED,
            source=RuleSource.ASSUMED,
        ),
    }
)


class Transition(NamedTuple):
    """The outcome of an event: the new state and the rule that put the user there."""

    state: ControlHubState
    rule: EntryRule


class TransitionRefused(Refused):
    """No entry rule allows this event in this state (with these facts)."""

    def __init__(self, state: ControlHubState | None, event: Event, facts: Facts) -> None:
        self.state = state
        self.event = event
        self.facts = facts
        if any(spec.allows(state, event) for spec in RULES.values()):
            key = "lifecycle.refused.facts"
        elif state is None:
            key = "lifecycle.refused.outside"
        else:
            key = "lifecycle.refused"
        super().__init__(key, state=state.value if state else None, event=event.value)

    def message(self, locale: str = DEFAULT_LOCALE) -> str:
        """The refusal worded in ``locale``, naming the state and the event."""
        if self.state is None:
            state = t("lifecycle.outside", locale)
        else:
            state = state_label(self.state, locale)
        return t(
            self.key,
            locale,
            state=state,
            event=t(f"lifecycle.event.{self.event.value}", locale),
            facts=_word_facts(self.facts, locale),
        )


def transition(
    state: ControlHubState | None, event: Event, facts: Facts | None = None
) -> Transition:
    """Where ``event`` takes a user in ``state`` (``None``: not in the org yet), and by which rule.

    Raises ``TransitionRefused`` (a ``Refused``) when no rule allows it.
    """
    facts = facts or Facts()
    for rule, spec in RULES.items():
        if spec.allows(state, event) and spec.matches(facts):
            return Transition(spec.target, rule)
    raise TransitionRefused(state, event, facts)


def apply(user: OrgUser, event: Event, *, now: datetime, facts: Facts | None = None) -> OrgUser:
    """``user`` (already in the org) after ``event`` at ``now``; facts default to the user's."""
    new_state, rule = transition(user.state, event, facts or Facts.of(user))
    return dataclasses.replace(user, state=new_state, state_since=now, how=rule.value)


def rules_into(state: ControlHubState) -> tuple[EntryRule, ...]:
    """Every entry rule that leads into ``state``, in table order."""
    return tuple(rule for rule, spec in RULES.items() if spec.target is state)


def rule_of(user: OrgUser) -> EntryRule | None:
    """The rule recorded in ``user.how``, if it is a known rule leading to the user's state."""
    try:
        rule = EntryRule(user.how)
    except ValueError:
        return None
    return rule if rule.target is user.state else None


class NextStep(StrEnum):
    """An admin action that moves a user on."""

    RESEND_INVITATION = "resend_invitation"
    BULK_RESEND_INVITATIONS = "bulk_resend_invitations"
    REACTIVATE_IF_INTENDED = "reactivate_if_intended"
    REMIND_BEFORE_DEADLINE = "remind_before_deadline"


_NEXT_STEPS: Mapping[ControlHubState, tuple[NextStep, ...]] = MappingProxyType(
    {
        _S.ACTIVE: (),
        _S.VERIFIED: (),  # the user's first sign-in moves them on, not an admin
        _S.NOT_VERIFIED: (NextStep.RESEND_INVITATION, NextStep.BULK_RESEND_INVITATIONS),
        _S.INACTIVE: (NextStep.REACTIVATE_IF_INTENDED,),
        _S.DELAYED_CLAIM: (NextStep.REMIND_BEFORE_DEADLINE,),
    }
)

#: Whether a user in the state can use services; ``None`` where the article does not say.
CAN_USE_SERVICES: Mapping[ControlHubState, bool | None] = MappingProxyType(
    {
        _S.ACTIVE: True,
        _S.VERIFIED: True,
        _S.NOT_VERIFIED: False,
        _S.INACTIVE: False,
        _S.DELAYED_CLAIM: None,
    }
)


def next_steps(state: ControlHubState) -> tuple[NextStep, ...]:
    """The admin actions that move a user on from ``state`` (none for Active and Verified)."""
    return _NEXT_STEPS[state]


@dataclass(frozen=True, slots=True)
class StateExplanation:
    """A state worded for a person: what it means, services, what moves the user on, ways in."""

    state: ControlHubState
    label: str
    meaning: str
    can_use_services: bool | None
    services: str
    moves_on: str
    next_steps: tuple[str, ...]
    ways_in: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UserStateExplanation:
    """One user's state worded for a person, with how long and, for Delayed claim, the deadline."""

    user: OrgUser
    state: StateExplanation
    rule: EntryRule | None
    how: str
    days_in_state: int
    since: str
    deadline: datetime | None = None
    days_left: int | None = None
    deadline_passed: bool = False
    deadline_text: str | None = None


class StuckReason(StrEnum):
    """Why a user counts as stuck."""

    NOT_VERIFIED_TOO_LONG = "not_verified_too_long"
    CLAIM_DEADLINE_NEAR = "claim_deadline_near"
    CLAIM_DEADLINE_PASSED = "claim_deadline_passed"


def state_label(state: ControlHubState, locale: str = DEFAULT_LOCALE) -> str:
    """The state's label as Control Hub shows it (Czech: the article's exact word)."""
    return t(f"state.{state.value}", locale)


def explain_rule(rule: EntryRule, locale: str = DEFAULT_LOCALE) -> str:
    """One sentence on how ``rule`` put the user in its state, flagged when it is our assumption."""
    text = t(f"lifecycle.how.{rule.value}", locale, **_label_params(locale, rule.target))
    if rule.spec.source is not RuleSource.ARTICLE:
        text = f"{text} {t(f'lifecycle.source.{rule.spec.source.value}', locale)}"
    return text


def explain_state(state: ControlHubState, locale: str = DEFAULT_LOCALE) -> StateExplanation:
    """Everything the bot says about ``state`` in ``locale``."""
    params = _label_params(locale, state)
    return StateExplanation(
        state=state,
        label=state_label(state, locale),
        meaning=t(f"lifecycle.meaning.{state.value}", locale, **params),
        can_use_services=CAN_USE_SERVICES[state],
        services=t(f"lifecycle.services.{state.value}", locale),
        moves_on=t(f"lifecycle.moves_on.{state.value}", locale, **params),
        next_steps=tuple(t(f"lifecycle.step.{s.value}", locale) for s in next_steps(state)),
        ways_in=tuple(explain_rule(rule, locale) for rule in rules_into(state)),
    )


def explain_all(locale: str = DEFAULT_LOCALE) -> tuple[StateExplanation, ...]:
    """Every state explained, in Control Hub's order (for the ``states`` command)."""
    return tuple(explain_state(state, locale) for state in ControlHubState)


def claim_deadline(user: OrgUser) -> datetime | None:
    """When a Delayed claim user's window ends (claimed + 14 days); ``None`` in other states."""
    if user.state is not ControlHubState.DELAYED_CLAIM:
        return None
    # A user enters Delayed claim when claimed, so state_since stands in for a missing claimed_at.
    return (user.claimed_at or user.state_since) + CLAIM_WINDOW


def explain_user(
    user: OrgUser, now: datetime, locale: str = DEFAULT_LOCALE
) -> UserStateExplanation:
    """``user``'s state at ``now``: what it means, how they got there, for how long, deadline."""
    state = explain_state(user.state, locale)
    rule = rule_of(user)
    days_in_state = max(_whole_days(now - user.state_since), 0)
    since = t(
        "lifecycle.user.since",
        locale,
        state=state.label,
        date=_date(user.state_since, locale),
        days=_days(days_in_state, locale),
    )
    deadline = claim_deadline(user)
    days_left: int | None = None
    deadline_text: str | None = None
    passed = False
    if deadline is not None:
        remaining = deadline - now
        passed = remaining <= timedelta(0)
        date = _date(deadline, locale)
        if passed:
            deadline_text = t("lifecycle.user.deadline_passed", locale, date=date)
        else:
            days_left = _whole_days(remaining)
            key = "lifecycle.user.deadline" if days_left else "lifecycle.user.deadline_today"
            deadline_text = t(key, locale, date=date, days=_days(days_left, locale))
    return UserStateExplanation(
        user=user,
        state=state,
        rule=rule,
        how=explain_rule(rule, locale) if rule else t("lifecycle.how.unknown", locale),
        days_in_state=days_in_state,
        since=since,
        deadline=deadline,
        days_left=days_left,
        deadline_passed=passed,
        deadline_text=deadline_text,
    )


def is_stuck(
    user: OrgUser, now: datetime, *, not_verified_days: int, claim_warning_days: int
) -> StuckReason | None:
    """Why ``user`` is stuck at ``now``, or ``None``.

    Stuck means Not verified for *more than* ``not_verified_days``, or Delayed claim with the
    deadline *at most* ``claim_warning_days`` away (or already passed).
    """
    if user.state is ControlHubState.NOT_VERIFIED:
        if now - user.state_since > timedelta(days=not_verified_days):
            return StuckReason.NOT_VERIFIED_TOO_LONG
        return None
    deadline = claim_deadline(user)
    if deadline is None:
        return None
    if deadline <= now:
        return StuckReason.CLAIM_DEADLINE_PASSED
    if deadline - now <= timedelta(days=claim_warning_days):
        return StuckReason.CLAIM_DEADLINE_NEAR
    return None


def explain_stuck(
    user: OrgUser, reason: StuckReason, now: datetime, locale: str = DEFAULT_LOCALE
) -> str:
    """One line for a digest on why ``user`` is stuck."""
    params: dict[str, object] = {"state": state_label(user.state, locale)}
    if reason is StuckReason.NOT_VERIFIED_TOO_LONG:
        params["days"] = _days(_whole_days(now - user.state_since), locale)
    else:
        deadline = claim_deadline(user) or now
        params["date"] = _date(deadline, locale)
        params["days"] = _days(max(_whole_days(deadline - now), 0), locale)
    return t(f"lifecycle.stuck.{reason.value}", locale, **params)


def _label_params(locale: str, state: ControlHubState) -> dict[str, object]:
    params: dict[str, object] = {s.value: state_label(s, locale) for s in ControlHubState}
    params["state"] = state_label(state, locale)
    params["days"] = _days(DELAYED_CLAIM_DAYS, locale)  # "14 days", "14 dní": counted words
    return params


def _word_facts(facts: Facts, locale: str) -> str:
    if facts.domain_verified is None:
        verified = t("lifecycle.fact.not_given", locale)
    else:
        verified = t(f"lifecycle.fact.{'yes' if facts.domain_verified else 'no'}", locale)
    if facts.previous_state is None:
        previous = t("lifecycle.fact.not_given", locale)
    else:
        previous = state_label(facts.previous_state, locale)
    return ", ".join(
        (
            t("lifecycle.fact.domain_verified", locale, value=verified),
            t("lifecycle.fact.previous_state", locale, value=previous),
        )
    )


def _whole_days(delta: timedelta) -> int:
    return delta.days  # floor: 13 days and 23 hours count as 13 days


def _days(n: int, locale: str) -> str:
    return t("lifecycle.days", locale, n=n)


def _date(moment: datetime, locale: str) -> str:
    return numbers.moment(moment, t("lifecycle.date", locale), locale)
