from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from i18n import LOCALES, t
from onboarding.errors import Refused
from onboarding.lifecycle import (
    CAN_USE_SERVICES,
    RULES,
    EntryRule,
    Event,
    Facts,
    NextStep,
    RuleSource,
    StuckReason,
    TransitionRefused,
    apply,
    claim_deadline,
    explain_all,
    explain_rule,
    explain_state,
    explain_stuck,
    explain_user,
    is_stuck,
    next_steps,
    rule_of,
    rules_into,
    transition,
)
from onboarding.model import DELAYED_CLAIM_DAYS, ControlHubState, OrgUser

S = ControlHubState
E = Event
R = EntryRule
NOW = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)
ALL_STATES: tuple[S | None, ...] = (None, *S)
ALL_FACTS = tuple(
    Facts(domain_verified=d, previous_state=p) for d in (None, True, False) for p in (None, *S)
)


def user(state: S, *, since: datetime = NOW, how: str = "", **kw: object) -> OrgUser:
    return OrgUser(
        id="u1",
        email="jana@example.cz",
        display_name="Jana Nováková",
        state=state,
        state_since=since,
        created=since,
        how=how,
        **kw,  # type: ignore[arg-type]
    )


# (state before, event, facts) -> (state after, rule): one row per entry rule of domain.md §2
ENTRY_RULES = [
    (
        None,
        E.ADDED_BY_ADMIN,
        Facts(domain_verified=False),
        S.NOT_VERIFIED,
        R.ADDED_DOMAIN_NOT_VERIFIED,
    ),
    (
        None,
        E.ADDED_BY_AD_SYNC,
        Facts(domain_verified=False),
        S.NOT_VERIFIED,
        R.ADDED_DOMAIN_NOT_VERIFIED,
    ),
    (
        None,
        E.CONVERTED_FROM_OTHER_ORG,
        Facts(domain_verified=False, previous_state=S.NOT_VERIFIED),
        S.NOT_VERIFIED,
        R.CONVERTED_NOT_VERIFIED,
    ),
    (S.NOT_VERIFIED, E.EMAIL_VERIFIED, Facts(), S.VERIFIED, R.EMAIL_VERIFIED),
    (None, E.ADDED_BY_ADMIN, Facts(domain_verified=True), S.VERIFIED, R.ADDED_DOMAIN_VERIFIED),
    (None, E.ADDED_BY_SITE_LINKING, Facts(), S.VERIFIED, R.ADDED_BY_SITE_LINKING),
    (
        None,
        E.ADDED_BY_SITE_LINKING,
        Facts(domain_verified=False),
        S.VERIFIED,
        R.ADDED_BY_SITE_LINKING,
    ),
    (
        None,
        E.CONVERTED_FROM_OTHER_ORG,
        Facts(previous_state=S.VERIFIED),
        S.VERIFIED,
        R.CONVERTED_VERIFIED,
    ),
    (
        None,
        E.CONVERTED_FROM_OTHER_ORG,
        Facts(domain_verified=True, previous_state=S.NOT_VERIFIED),
        S.VERIFIED,
        R.CONVERTED_AFTER_DOMAIN_VERIFIED,
    ),
    (S.VERIFIED, E.FIRST_SIGN_IN, Facts(), S.ACTIVE, R.FIRST_SIGN_IN),
    (None, E.ADDED_BY_AD_SYNC, Facts(domain_verified=True), S.ACTIVE, R.AD_SYNC_DOMAIN_VERIFIED),
    (
        None,
        E.CONVERTED_FROM_OTHER_ORG,
        Facts(previous_state=S.ACTIVE),
        S.ACTIVE,
        R.CONVERTED_ACTIVE,
    ),
    (S.ACTIVE, E.DEACTIVATED_BY_ADMIN, Facts(), S.INACTIVE, R.DEACTIVATED_BY_ADMIN),
    (S.VERIFIED, E.DEACTIVATED_BY_ADMIN, Facts(), S.INACTIVE, R.DEACTIVATED_BY_ADMIN),
    (S.NOT_VERIFIED, E.DEACTIVATED_BY_ADMIN, Facts(), S.INACTIVE, R.DEACTIVATED_BY_ADMIN),
    (S.DELAYED_CLAIM, E.DEACTIVATED_BY_ADMIN, Facts(), S.INACTIVE, R.DEACTIVATED_BY_ADMIN),
    (S.ACTIVE, E.DEACTIVATED_BY_AD_SYNC, Facts(), S.INACTIVE, R.DEACTIVATED_BY_AD_SYNC),
    (S.NOT_VERIFIED, E.DEACTIVATED_BY_AD_SYNC, Facts(), S.INACTIVE, R.DEACTIVATED_BY_AD_SYNC),
    (None, E.CLAIMED_DELAYED, Facts(), S.DELAYED_CLAIM, R.CLAIMED_DELAYED),
    (S.DELAYED_CLAIM, E.CLAIM_DECIDED, Facts(), S.ACTIVE, R.CLAIM_DECIDED),
    (S.DELAYED_CLAIM, E.CLAIM_DEADLINE_PASSED, Facts(), S.ACTIVE, R.CLAIM_DEFAULT_ACTION),
    (S.INACTIVE, E.REACTIVATED, Facts(previous_state=S.ACTIVE), S.ACTIVE, R.REACTIVATED_ACTIVE),
    (
        S.INACTIVE,
        E.REACTIVATED,
        Facts(previous_state=S.VERIFIED),
        S.VERIFIED,
        R.REACTIVATED_VERIFIED,
    ),
    (
        S.INACTIVE,
        E.REACTIVATED,
        Facts(previous_state=S.NOT_VERIFIED),
        S.NOT_VERIFIED,
        R.REACTIVATED_NOT_VERIFIED,
    ),
]


@pytest.mark.parametrize(("before", "event", "facts", "after", "rule"), ENTRY_RULES)
def test_entry_rule(before, event, facts, after, rule):
    assert transition(before, event, facts) == (after, rule)
    assert rule.target is after


def test_every_rule_has_a_row():
    assert {row[-1] for row in ENTRY_RULES} == set(EntryRule)


def test_rules_never_overlap():
    for state, event, facts in itertools.product(ALL_STATES, Event, ALL_FACTS):
        matching = [
            r for r, spec in RULES.items() if spec.allows(state, event) and spec.matches(facts)
        ]
        assert len(matching) <= 1, (state, event, facts, matching)


def test_no_new_user_is_ever_created_inactive():
    for event, facts in itertools.product(Event, ALL_FACTS):
        try:
            new_state, _ = transition(None, event, facts)
        except Refused:
            continue
        assert new_state is not S.INACTIVE


def test_article_and_our_rules_are_told_apart():
    ours = {r for r, spec in RULES.items() if spec.source is not RuleSource.ARTICLE}
    assert ours == {
        R.CLAIM_DECIDED,
        R.CLAIM_DEFAULT_ACTION,
        R.REACTIVATED_ACTIVE,
        R.REACTIVATED_VERIFIED,
        R.REACTIVATED_NOT_VERIFIED,
    }


ENTRY_EVENTS = (
    E.ADDED_BY_ADMIN,
    E.ADDED_BY_AD_SYNC,
    E.ADDED_BY_SITE_LINKING,
    E.CONVERTED_FROM_OTHER_ORG,
    E.CLAIMED_DELAYED,
)
FULL_FACTS = Facts(domain_verified=True, previous_state=S.ACTIVE)


@pytest.mark.parametrize(
    ("state", "event"),
    [
        # a user already in the org cannot be added, converted or claimed again
        *((s, e) for s in S for e in ENTRY_EVENTS),
        # a user not in the org yet can only enter it
        *((None, e) for e in Event if e not in ENTRY_EVENTS),
        # email verification only from Not verified
        *((s, E.EMAIL_VERIFIED) for s in S if s is not S.NOT_VERIFIED),
        # the first sign-in only from Verified (Not verified must verify the email first)
        *((s, E.FIRST_SIGN_IN) for s in S if s is not S.VERIFIED),
        # an Inactive user cannot be deactivated again
        (S.INACTIVE, E.DEACTIVATED_BY_ADMIN),
        (S.INACTIVE, E.DEACTIVATED_BY_AD_SYNC),
        # only an Inactive user can be reactivated
        *((s, E.REACTIVATED) for s in S if s is not S.INACTIVE),
        # only a Delayed claim can be decided or run out
        *((s, E.CLAIM_DECIDED) for s in S if s is not S.DELAYED_CLAIM),
        *((s, E.CLAIM_DEADLINE_PASSED) for s in S if s is not S.DELAYED_CLAIM),
    ],
)
def test_forbidden_transition(state, event):
    with pytest.raises(Refused) as caught:
        transition(state, event, FULL_FACTS)
    err = caught.value
    assert isinstance(err, TransitionRefused)
    assert err.key in ("lifecycle.refused", "lifecycle.refused.outside")
    for locale in LOCALES:
        text = err.message(locale)
        assert t(f"lifecycle.event.{event.value}", locale) in text
        if state is not None:
            assert t(f"state.{state.value}", locale) in text


@pytest.mark.parametrize(
    ("state", "event", "facts"),
    [
        # the rule needs a fact that was not given
        (None, E.ADDED_BY_ADMIN, Facts()),
        (None, E.ADDED_BY_AD_SYNC, Facts()),
        (None, E.CONVERTED_FROM_OTHER_ORG, Facts(domain_verified=True)),
        (None, E.CONVERTED_FROM_OTHER_ORG, Facts(previous_state=S.NOT_VERIFIED)),
        (S.INACTIVE, E.REACTIVATED, Facts()),
        # no rule for converting an Inactive or Delayed claim user
        (None, E.CONVERTED_FROM_OTHER_ORG, Facts(domain_verified=True, previous_state=S.INACTIVE)),
        (None, E.CONVERTED_FROM_OTHER_ORG, Facts(previous_state=S.DELAYED_CLAIM)),
        # reactivation can only go back to a state a user can have been deactivated from
        (S.INACTIVE, E.REACTIVATED, Facts(previous_state=S.INACTIVE)),
        (S.INACTIVE, E.REACTIVATED, Facts(previous_state=S.DELAYED_CLAIM)),
    ],
)
def test_refused_for_missing_or_unmatched_facts(state, event, facts):
    with pytest.raises(TransitionRefused) as caught:
        transition(state, event, facts)
    assert caught.value.key == "lifecycle.refused.facts"
    assert "lifecycle" not in caught.value.message("cs")
    assert t(f"lifecycle.event.{event.value}", "cs") in caught.value.message("cs")


def test_refusal_is_worded_per_locale():
    with pytest.raises(Refused) as caught:
        transition(S.ACTIVE, E.EMAIL_VERIFIED)
    assert caught.value.message("en") == (
        "Not possible: email verification does not apply to a user in the state Active."
    )
    assert caught.value.message("cs") == (
        "Nelze: ověření e-mailu neplatí pro uživatele ve stavu Aktivní."
    )
    assert str(caught.value) == caught.value.message("en")


def test_apply_records_the_rule_and_the_time():
    later = NOW + timedelta(days=3)
    verified = user(S.VERIFIED, how=R.ADDED_DOMAIN_VERIFIED.value)
    active = apply(verified, E.FIRST_SIGN_IN, now=later)
    assert (active.state, active.how, active.state_since) == (S.ACTIVE, "first_sign_in", later)
    assert active.created == NOW


def test_apply_takes_facts_from_the_user():
    inactive = user(S.INACTIVE, facts={"previous_state": "verified"})
    assert apply(inactive, E.REACTIVATED, now=NOW).state is S.VERIFIED
    with pytest.raises(Refused):
        apply(user(S.INACTIVE, facts={"previous_state": "bogus"}), E.REACTIVATED, now=NOW)


def test_apply_keeps_the_claim_date():
    at = NOW - timedelta(days=3)
    decided = apply(user(S.DELAYED_CLAIM, claimed_at=at), E.CLAIM_DECIDED, now=NOW)
    assert (decided.state, decided.how, decided.claimed_at) == (S.ACTIVE, "claim_decided", at)


def test_facts_of_user():
    u = user(S.INACTIVE, domain_verified=True, facts={"previous_state": "active"})
    assert Facts.of(u) == Facts(domain_verified=True, previous_state=S.ACTIVE)
    assert Facts.of(user(S.ACTIVE)) == Facts()


def test_rules_into_and_rule_of():
    assert rules_into(S.INACTIVE) == (R.DEACTIVATED_BY_ADMIN, R.DEACTIVATED_BY_AD_SYNC)
    assert rules_into(S.DELAYED_CLAIM) == (R.CLAIMED_DELAYED,)
    assert rule_of(user(S.ACTIVE, how="first_sign_in")) is R.FIRST_SIGN_IN
    assert rule_of(user(S.ACTIVE, how="email_verified")) is None  # leads to Verified, not Active
    assert rule_of(user(S.ACTIVE, how="")) is None
    assert rule_of(user(S.ACTIVE, how="nonsense")) is None


# Explanations


def test_next_steps():
    assert next_steps(S.ACTIVE) == ()
    assert next_steps(S.VERIFIED) == ()
    assert next_steps(S.NOT_VERIFIED) == (
        NextStep.RESEND_INVITATION,
        NextStep.BULK_RESEND_INVITATIONS,
    )
    assert next_steps(S.INACTIVE) == (NextStep.REACTIVATE_IF_INTENDED,)
    assert next_steps(S.DELAYED_CLAIM) == (NextStep.REMIND_BEFORE_DEADLINE,)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("state", list(S))
def test_explain_state(state, locale):
    x = explain_state(state, locale)
    assert x.state is state
    assert x.label == t(f"state.{state.value}", locale)
    for text in (x.meaning, x.services, x.moves_on, *x.next_steps, *x.ways_in):
        assert text
        assert "{" not in text and "lifecycle." not in text
    assert len(x.next_steps) == len(next_steps(state))
    assert len(x.ways_in) == len(rules_into(state))
    assert x.can_use_services is CAN_USE_SERVICES[state]


def test_explanations_differ_between_locales():
    for state in S:
        en, cs = explain_state(state, "en"), explain_state(state, "cs")
        assert en.meaning != cs.meaning
        assert en.moves_on != cs.moves_on


def test_explain_state_says_what_the_domain_says():
    assert explain_state(S.NOT_VERIFIED).can_use_services is False
    assert "bulk" in explain_state(S.NOT_VERIFIED).moves_on
    assert "Aktivní" in explain_state(S.VERIFIED, "cs").moves_on
    assert "14" in explain_state(S.DELAYED_CLAIM, "cs").meaning
    assert "deadline" in explain_state(S.DELAYED_CLAIM).moves_on
    assert "No new user" in explain_state(S.INACTIVE).meaning


def test_explain_all_is_in_state_order():
    assert [x.state for x in explain_all("cs")] == list(S)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("rule", list(EntryRule))
def test_explain_rule(rule, locale):
    text = explain_rule(rule, locale)
    assert text and "{" not in text
    notes = {
        s: t(f"lifecycle.source.{s.value}", locale) for s in RuleSource if s.value != "article"
    }
    assert [s for s, note in notes.items() if note in text] == (
        [] if rule.spec.source is RuleSource.ARTICLE else [rule.spec.source]
    )


def test_explain_rule_uses_the_article_words():
    assert explain_rule(R.EMAIL_VERIFIED, "cs") == (
        "Uživatel prošel procesem ověření e-mailu. Tím se změnil jeho stav z Neověřeno na Ověřeno."
    )
    assert "Neaktivní" not in explain_rule(R.REACTIVATED_ACTIVE, "cs")
    assert "Aktivní" in explain_rule(R.REACTIVATED_ACTIVE, "cs")


@pytest.mark.parametrize("locale", LOCALES)
def test_explain_user(locale):
    u = user(
        S.NOT_VERIFIED, since=NOW - timedelta(days=5, hours=3), how="added_domain_not_verified"
    )
    x = explain_user(u, NOW, locale)
    assert x.rule is R.ADDED_DOMAIN_NOT_VERIFIED
    assert x.how == explain_rule(R.ADDED_DOMAIN_NOT_VERIFIED, locale)
    assert x.days_in_state == 5
    assert x.state == explain_state(S.NOT_VERIFIED, locale)
    assert x.deadline is None and x.days_left is None and x.deadline_text is None
    assert not x.deadline_passed


def test_explain_user_wording():
    u = user(S.NOT_VERIFIED, since=NOW - timedelta(days=5), how="added_domain_not_verified")
    assert explain_user(u, NOW, "en").since == "Not verified since 2025-03-15 (5 days)."
    assert explain_user(u, NOW, "cs").since == "Neověřeno od 15. 3. 2025 (5 dní)."


@pytest.mark.parametrize(
    ("days", "en", "cs"),
    [
        (0, "0 days", "0 dní"),
        (1, "1 day", "1 den"),
        (2, "2 days", "2 dny"),
        (4, "4 days", "4 dny"),
        (5, "5 days", "5 dní"),
        (12, "12 days", "12 dní"),
    ],
)
def test_days_in_state_plural_forms(days, en, cs):
    u = user(S.ACTIVE, since=NOW - timedelta(days=days))
    assert f"({en})" in explain_user(u, NOW, "en").since
    assert f"({cs})" in explain_user(u, NOW, "cs").since


def test_explain_user_with_unknown_how():
    x = explain_user(user(S.ACTIVE, how=""), NOW, "cs")
    assert x.rule is None
    assert x.how == t("lifecycle.how.unknown", "cs")


def test_explain_user_never_counts_negative_days():
    assert explain_user(user(S.ACTIVE, since=NOW + timedelta(hours=1)), NOW).days_in_state == 0


# Deadline arithmetic


def claimed(days_ago: float, **kw: object) -> OrgUser:
    at = NOW - timedelta(days=days_ago)
    return user(S.DELAYED_CLAIM, since=at, how="claimed_delayed", claimed_at=at, **kw)


def test_deadline_is_claimed_at_plus_14_days():
    assert DELAYED_CLAIM_DAYS == 14
    assert claim_deadline(claimed(0)) == NOW + timedelta(days=14)
    assert claim_deadline(user(S.ACTIVE, claimed_at=NOW)) is None


def test_deadline_falls_back_to_state_since():
    u = user(S.DELAYED_CLAIM, since=NOW - timedelta(days=2))
    assert claim_deadline(u) == NOW + timedelta(days=12)


def test_deadline_uses_claimed_at_over_state_since():
    u = user(S.DELAYED_CLAIM, since=NOW, claimed_at=NOW - timedelta(days=10))
    assert claim_deadline(u) == NOW + timedelta(days=4)


@pytest.mark.parametrize(
    ("days_ago", "days_left"),
    [(0, 14), (0.5, 13), (10, 4), (13, 1), (13.5, 0), (13.99, 0)],
)
def test_days_left(days_ago, days_left):
    x = explain_user(claimed(days_ago), NOW, "en")
    assert x.days_left == days_left
    assert not x.deadline_passed
    assert x.deadline == NOW - timedelta(days=days_ago) + timedelta(days=14)


def test_deadline_wording():
    en = explain_user(claimed(10), NOW, "en").deadline_text
    cs = explain_user(claimed(10), NOW, "cs").deadline_text
    assert en == "Deadline to decide: 2025-03-24; 4 days left."
    assert cs == "Lhůta pro rozhodnutí: 24. 3. 2025; zbývá 4 dny."
    last = explain_user(claimed(13.5), NOW, "en").deadline_text
    assert last == "Deadline to decide: 2025-03-21; less than a day left."


@pytest.mark.parametrize("days_ago", [14, 14.01, 30])
def test_deadline_passed(days_ago):
    x = explain_user(claimed(days_ago), NOW, "cs")
    assert x.deadline_passed
    assert x.days_left is None
    assert x.deadline_text and x.deadline_text.startswith("Lhůta pro rozhodnutí uplynula")


# is_stuck

THRESHOLDS = {"not_verified_days": 7, "claim_warning_days": 3}


@pytest.mark.parametrize(
    ("age", "stuck"),
    [
        (timedelta(days=6), False),
        (timedelta(days=7), False),  # exactly N days is not "more than" N
        (timedelta(days=7, seconds=1), True),
        (timedelta(days=30), True),
    ],
)
def test_stuck_not_verified(age, stuck):
    u = user(S.NOT_VERIFIED, since=NOW - age)
    expected = StuckReason.NOT_VERIFIED_TOO_LONG if stuck else None
    assert is_stuck(u, NOW, **THRESHOLDS) is expected


@pytest.mark.parametrize(
    ("days_ago", "expected"),
    [
        (0, None),
        (10.99, None),
        (11, StuckReason.CLAIM_DEADLINE_NEAR),  # exactly N days left is "within" N
        (13.9, StuckReason.CLAIM_DEADLINE_NEAR),
        (14, StuckReason.CLAIM_DEADLINE_PASSED),
        (20, StuckReason.CLAIM_DEADLINE_PASSED),
    ],
)
def test_stuck_delayed_claim(days_ago, expected):
    assert is_stuck(claimed(days_ago), NOW, **THRESHOLDS) is expected


@pytest.mark.parametrize("state", [S.ACTIVE, S.VERIFIED, S.INACTIVE])
def test_other_states_are_never_stuck(state):
    u = user(state, since=NOW - timedelta(days=400), claimed_at=NOW - timedelta(days=400))
    assert is_stuck(u, NOW, **THRESHOLDS) is None


def test_zero_thresholds():
    assert is_stuck(user(S.NOT_VERIFIED), NOW, not_verified_days=0, claim_warning_days=0) is None
    fresh = user(S.NOT_VERIFIED, since=NOW - timedelta(seconds=1))
    assert is_stuck(fresh, NOW, not_verified_days=0, claim_warning_days=0) is not None
    assert is_stuck(claimed(0), NOW, not_verified_days=0, claim_warning_days=0) is None


def test_explain_stuck():
    nv = user(S.NOT_VERIFIED, since=NOW - timedelta(days=12))
    assert explain_stuck(nv, StuckReason.NOT_VERIFIED_TOO_LONG, NOW, "cs") == (
        "Neověřeno už 12 dní: dokud nebude ověřen, nemůže uživatel používat služby."
    )
    near = explain_stuck(claimed(12), StuckReason.CLAIM_DEADLINE_NEAR, NOW, "en")
    assert near == "Delayed claim: the deadline to decide is 2025-03-22 (2 days left)."
    gone = explain_stuck(claimed(15), StuckReason.CLAIM_DEADLINE_PASSED, NOW, "cs")
    assert gone == "Odložený nárok: lhůta pro rozhodnutí uplynula 19. 3. 2025."
