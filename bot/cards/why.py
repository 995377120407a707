"""``why <user>``: four findings and the one next action, as markdown and as a card."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.cards import _ac as ac
from bot.cards._md import esc, msg, name_of, status_label, when
from bot.cards._render import card_renderer, markdown_renderer
from bot.cards.status import retry_email_input
from commands.history_views import WhyView
from i18n import t
from onboarding import lifecycle
from onboarding.diagnosis import Diagnosis, Finding, Move
from onboarding.model import Package

_RETRIES = (Move.RETRY_NOW, Move.RETRY_LATER, Move.RETRY_OTHER_EMAIL, Move.RELEASE_DOMAIN)
_RECENT_RETRIES = 3


def _ref(d: Diagnosis) -> str:
    if d.subscriber is not None:
        return d.subscriber.email or d.subscriber.user_id
    return d.org_user.email if d.org_user is not None else "?"


def _move_params(d: Diagnosis) -> dict[str, object]:
    sub = d.subscriber
    return {
        "ref": _ref(d),
        "email": d.suggested_email or t("arg.email", "en"),
        "customer": sub.customer if sub is not None else "-",
        "user_id": sub.user_id if sub is not None else "-",
        "code": d.findings[0].code if d.findings else "-",
    }


def _typed(d: Diagnosis, locale: str) -> str | None:
    """The command a person types for the move (when there is one)."""
    p = _move_params(d)
    email = d.suggested_email or f"<{t('arg.email', locale)}>"
    commands = {
        Move.RETRY_NOW: f"retry {p['ref']} {email}",
        Move.RETRY_LATER: f"retry {p['ref']} {email}",
        Move.RETRY_OTHER_EMAIL: f"retry {p['ref']} <{t('arg.email', locale)}>",
        Move.RELEASE_DOMAIN: f"retry {p['ref']} <{t('arg.email', locale)}>",
        Move.CHANGE_PACKAGE: f"package {p['ref']} <{t('arg.package', locale)}>",
        Move.CHECK_TEMPLATE: f"template check {p['customer']}",
        Move.REMOVE_OTHER_MAPPING: f"status {p['user_id']}",
        Move.DELETE_AND_REREGISTER: f"delete {p['ref']}",
        Move.RESEND_INVITATION: f"resend {p['ref']}",
        Move.UNKNOWN: f"error {p['ref']}",
    }
    return commands.get(d.move)


Say = Callable[..., str]


def _plain(key: str, locale: str, /, **params: object) -> str:
    """A catalog text for a card's literal run: the markdown marks of our own words dropped."""
    return t(key, locale, **params).replace("**", "").replace("`", "").replace("*", "")


def _finding_lines(f: Finding, locale: str, customer: str, say: Say) -> list[str]:
    if f.advice is None:
        return [
            say("why.code.unknown", locale, code=f.code),
            say("advice.code_unknown", locale, code=f.code),
        ]
    return [
        say("why.code", locale, code=f.code, meaning=t(f.advice.meaning_key, locale)),
        say(f"why.retry.{f.advice.retry.value}", locale),
        say(f.advice.tip_key, locale, customer=customer),
    ]


def _template_line(d: Diagnosis, locale: str, say: Say) -> str | None:
    report = d.template
    if report is None:
        return None
    if not report.known:
        return say("why.template.unknown", locale, customer=report.customer.id)
    if report.ok:
        return say("why.template.ok", locale, customer=report.customer.id)
    bad = []
    if not report.untrusted_emails_ok:
        bad.append(say("md.template.untrusted_bad", locale))
    if not report.share_link_ok:
        bad.append(say("md.template.share_bad", locale))
    return say("why.template.bad", locale, customer=report.customer.id) + " " + " ".join(bad)


def _history_lines(d: Diagnosis, locale: str, say: Say) -> list[str]:
    tl = d.timeline
    if tl is None:
        return []
    lines = [say("why.history", locale, failures=tl.failures, retries=len(tl.retries))]
    for deed in tl.retries[:_RECENT_RETRIES]:
        result = t(f"history.result.{deed.result}", locale)
        at = when(deed.at, locale)
        lines.append(say("why.history.retry", locale, at=at, email=deed.text or "-", result=result))
    return lines


def _state_lines(d: Diagnosis, now: datetime, locale: str, lit: Callable[[str], str]) -> list[str]:
    user = d.org_user
    if user is None:
        return []
    told = lifecycle.explain_user(user, now, locale)
    lines = [told.state.label + ": " + told.state.meaning, told.how, told.since]
    if told.deadline_text:
        lines.append(told.deadline_text)
    return [lit(line) for line in lines]


def _next_line(d: Diagnosis, locale: str, say: Say) -> str:
    return say(f"why.next.{d.move.value}", locale, **_move_params(d))


def _sections(view: WhyView, locale: str, say: Say) -> list[tuple[str, list[str]]]:
    d = view.diagnosis
    lit: Callable[[str], str] = esc if say is msg else str
    customer = d.subscriber.customer if d.subscriber is not None else "-"
    out: list[tuple[str, list[str]]] = []
    if d.subscriber is not None:
        status = [say("why.status", locale, status=status_label(d.subscriber.status, locale))]
        for f in d.findings:
            status += _finding_lines(f, locale, customer, say)
        out.append((t("why.section.error", locale), status))
        template = _template_line(d, locale, say)
        if template:
            out.append((t("why.section.template", locale), [template]))
        out.append((t("why.section.history", locale), _history_lines(d, locale, say)))
    if d.org_user is not None:
        out.append((t("why.section.state", locale), _state_lines(d, view.now, locale, lit)))
    return out


def _title(d: Diagnosis) -> tuple[str, str]:
    if d.subscriber is not None:
        return name_of(d.subscriber), d.subscriber.user_id
    user = d.org_user
    return (user.display_name or user.email, user.email) if user else ("?", "?")


@markdown_renderer
def markdown(view: WhyView, locale: str) -> str:
    """The diagnosis: each finding under its heading, the next action last."""
    d = view.diagnosis
    name, ref = _title(d)
    lines = [msg("why.md.title", locale, name=name, user=ref)]
    for heading, body in _sections(view, locale, msg):
        lines.append(f"**{heading}**")
        lines += [f"- {line}" for line in body]
    lines.append(f"**{t('why.section.next', locale)}** {_next_line(d, locale, msg)}")
    typed = _typed(d, locale)
    if typed:
        lines.append(msg("why.md.typed", locale, command=typed))
    return "\n".join(lines)


def _button(view: WhyView, locale: str) -> dict[str, Any] | None:
    """The one next action as a button, when the asker may press it."""
    d = view.diagnosis
    sub = d.subscriber
    allowed = set(view.actions)
    if d.move in _RETRIES and sub is not None and "user.retry" in allowed:
        email = retry_email_input(d.suggested_email, locale)
        submit = ac.submit(t("action.onboard", locale), "user.retry", {"user": sub.id})
        return ac.show_card(t("action.retry", locale), [email], [submit])
    if d.move is Move.CHANGE_PACKAGE and sub is not None and "user.package" in allowed:
        choices = [
            (t(f"package.{p.value}", locale), p.value) for p in Package if p is not sub.package
        ]
        package = ac.choice_set(
            "package",
            t("md.field.package", locale),
            choices,
            required=True,
            error=t("card.package.choose", locale),
        )
        submit = ac.submit(t("action.package", locale), "user.package", {"user": sub.id})
        return ac.show_card(t("action.package", locale), [package], [submit])
    simple = {
        Move.CHECK_TEMPLATE: ("template.check", "customer", sub.customer if sub else None),
        Move.REMOVE_OTHER_MAPPING: ("user.status", "user", sub.user_id if sub else None),
        Move.DELETE_AND_REREGISTER: ("user.delete", "user", sub.id if sub else None),
        Move.UNKNOWN: ("user.error", "user", sub.id if sub else None),
        Move.RESEND_INVITATION: ("user.resend", "users", d.org_user.email if d.org_user else None),
    }
    found = simple.get(d.move)
    if found is None or found[2] is None or found[0] not in allowed:
        return None
    action, field, value = found
    return ac.submit(t(f"button.{action}", locale), action, {field: value}, style="positive")


@card_renderer
def card(view: WhyView, locale: str) -> dict[str, Any] | None:
    """The diagnosis card: a container per finding, the next action and its button."""
    d = view.diagnosis
    name, ref = _title(d)
    body: list[dict[str, Any]] = [
        ac.rich(
            ac.run(t("why.card.title", locale), weight="bolder", size="medium"),
            " ",
            ac.run(name, weight="bolder", size="medium"),
        ),
        ac.rich(ac.run(ref, fontType="monospace", isSubtle=True)),
    ]
    for heading, lines in _sections(view, locale, _plain):
        items = [ac.text(heading, weight="bolder")]
        items += [ac.literal(line) for line in lines]
        body.append(ac.container(items, separator=True))
    next_items = [
        ac.text(t("why.section.next", locale), weight="bolder", color="accent"),
        ac.literal(_next_line(d, locale, _plain)),
    ]
    typed = _typed(d, locale)
    if typed:
        next_items.append(ac.rich(ac.run(typed, fontType="monospace")))
    body.append(ac.container(next_items, separator=True, style="emphasis"))
    actions = []
    button = _button(view, locale)
    if button is not None:
        actions.append(button)
    if "user.history" in view.actions and d.subscriber is not None:
        ref_for = d.subscriber.email or d.subscriber.user_id
        actions.append(
            ac.submit(t("button.user.history", locale), "user.history", {"user": ref_for})
        )
    return ac.card(body, actions)
