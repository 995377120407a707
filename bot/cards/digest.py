"""Digests as Webex markdown and as an Adaptive Card 1.3, plus the digest list and its answers.

The markdown stays under Webex's 7439 bytes: lists are shortened (10, 5, 3, 1, 0 items) until the
whole digest fits, each cut list ending in "and N more" with the command that gives all of it.
The card shows at most five items per list and has one button, well inside Webex's five.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.cards import _ac as ac
from bot.cards._md import GROUP_ICON, MAX_BYTES, clamp, code, esc, group_label, size
from bot.cards._render import card_renderer, markdown_renderer
from commands.views import DigestListView, DigestSavedView, DigestStoppedView, DigestView
from i18n import numbers, t
from onboarding import lifecycle
from onboarding.digest import Change, DigestReport, DigestSpec, ScheduleKind, describe_cron
from onboarding.model import ControlHubState, StatusGroup, Subscriber
from onboarding.service import StuckUser

CARD_ITEMS = 5
CARD_CUSTOMERS = 8
MARKDOWN_CUSTOMERS = 10
ERROR_TEXT_CHARS = 300
_LIST_LIMITS = (10, 5, 3, 1, 0)
_GROUP_ORDER = (StatusGroup.ERROR, StatusGroup.PENDING, StatusGroup.PROVISIONED)

DigestViews = DigestView | DigestListView | DigestSavedView | DigestStoppedView


# --- words -------------------------------------------------------------------------------------


def moment(when: datetime, timezone: str, locale: str) -> str:
    """``when`` in the digest's time zone: ``2026-01-15 08:00 Europe/Prague``."""
    return f"{numbers.moment(when, t('digest.time', locale), locale, timezone)} {timezone}"


def _days(n: int, locale: str) -> str:
    return t("lifecycle.days", locale, n=n)


def _signed(n: int, locale: str) -> str:
    shown = numbers.number(abs(n), locale)
    return f"+{shown}" if n > 0 else ("0" if n == 0 else f"−{shown}")


def change_text(change: Change, locale: str) -> str:
    """``errors +3, pending −5, provisioned +8`` (only the groups that changed)."""
    if change.zero:
        return t("digest.change.none", locale)
    parts = [
        t(f"digest.change.{key}", locale, n=_signed(n, locale))
        for key, n in (
            ("error", change.errors),
            ("pending", change.pending),
            ("provisioned", change.provisioned),
        )
        if n
    ]
    return ", ".join(parts)


def totals_text(report: DigestReport, locale: str, *, icons: bool = True) -> str:
    """``Users: 80 (🔴 error 16 · 🟡 pending request 30 · 🟢 provisioned 34)``."""
    counts = " · ".join(
        (f"{GROUP_ICON[g]} " if icons else "")
        + f"{group_label(g, locale)} {numbers.number(report.summary.by_group.get(g, 0), locale)}"
        for g in _GROUP_ORDER
    )
    return t("digest.totals", locale, n=report.summary.total, counts=counts)


def _status_counts(report: DigestReport, locale: str) -> str:
    parts = [
        f"{t(f'status.{s.value}', locale)} {numbers.number(n, locale)}"
        for s, n in report.summary.by_status.items()
        if n and s.group is StatusGroup.PENDING
    ]
    return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class _Piece:
    """Part of a digest line: provider text (escaped in markdown, a TextRun in the card) or ours."""

    text: str
    provider: bool = True
    style: str = ""  # "", "bold" or "mono"


Line = tuple[_Piece, ...]


def _ours(text: str) -> _Piece:
    return _Piece(text, provider=False)


def _line_markdown(line: Line) -> str:
    out = []
    for piece in line:
        if piece.style == "mono":
            out.append(code(piece.text))
            continue
        text = esc(piece.text) if piece.provider else piece.text
        out.append(f"**{text}**" if piece.style == "bold" else text)
    return "".join(out)


def _line_card(line: Line, **extra: Any) -> dict[str, Any]:
    styles = {"bold": {"weight": "bolder"}, "mono": {"fontType": "monospace"}}
    return ac.rich(*(ac.run(p.text, **styles.get(p.style, {})) for p in line), **extra)


def _customer_lines(report: DigestReport, limit: int) -> tuple[list[Line], int]:
    rows = sorted(
        report.summary.by_customer.items(),
        key=lambda kv: (-kv[1].get(StatusGroup.ERROR, 0), -kv[1].get(StatusGroup.PENDING, 0)),
    )
    lines: list[Line] = []
    for cust, groups in rows[:limit]:
        name = report.customer_names.get(cust, cust)
        counts = " · ".join(f"{GROUP_ICON[g]} {groups.get(g, 0)}" for g in _GROUP_ORDER)
        lines.append((_Piece(name), _ours(f": {counts}")))
    return lines, max(len(rows) - limit, 0)


def _who(sub: Subscriber, report: DigestReport) -> Line:
    shown = [sub.email] if sub.email else []
    shown += [sub.user_id, report.customer_names.get(sub.customer, sub.customer)]
    out = [_Piece(sub.display_name or sub.user_id, style="bold")]
    for text in shown:
        out += [_ours(" · "), _Piece(text)]
    return tuple(out)


def _error_text(sub: Subscriber) -> str:
    text = " / ".join(e.description for e in sub.errors) or sub.error_text
    if len(text) > ERROR_TEXT_CHARS:
        text = text[: ERROR_TEXT_CHARS - 1] + "…"
    return text


def _error_codes(sub: Subscriber, locale: str) -> str:
    """What a viewer audience sees instead of the text: the codes and how many errors."""
    codes = ", ".join(dict.fromkeys(str(e.code) for e in sub.errors)) or "—"
    return t("digest.error_codes", locale, n=max(len(sub.errors), 1), codes=codes)


def _pending_for(sub: Subscriber, report: DigestReport, locale: str) -> str:
    days = max((report.now - sub.last_status_change).days, 0)
    return t(
        "digest.pending_for",
        locale,
        status=t(f"status.{sub.status.value}", locale),
        days=_days(days, locale),
    )


def _stuck_line(s: StuckUser, report: DigestReport, locale: str) -> Line:
    user = s.user
    why = lifecycle.explain_stuck(user, s.reason, report.now, locale)
    return (
        _Piece(user.display_name or user.email, style="bold"),
        _ours(" ("),
        _Piece(user.email),
        _ours(f"): {why}"),
    )


# --- the sections both renderings share --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Section:
    """A titled list of a digest: its shown lines, how many there are and the "N more" text."""

    heading: str
    lines: list[Line]  # without the list bullet
    total: int
    more: Callable[[int], str]


def _sections(report: DigestReport, locale: str, error_text: bool) -> list[_Section]:
    out: list[_Section] = []
    content = report.content
    state = lifecycle.state_label

    def export(command: str) -> Callable[[int], str]:
        return lambda n: t("digest.more_export", locale, n=n, command=command)

    if content.errors:
        key = "digest.section.errors" if report.first else "digest.section.new_errors"
        lines = [
            (*_who(s, report), _ours(": "), _Piece(_error_text(s), style="mono"))
            if error_text
            else (*_who(s, report), _ours(f": {_error_codes(s, locale)}"))
            for s in report.new_errors.items
        ]
        out.append(
            _Section(
                t(key, locale, n=report.new_errors.total),
                lines,
                report.new_errors.total,
                export("export errors"),
            )
        )
    if not report.first:
        lines = [_who(s, report) for s in report.resolved.items]
        out.append(
            _Section(
                t("digest.section.resolved", locale, n=report.resolved.total),
                lines,
                report.resolved.total,
                export("export provisioned"),
            )
        )
    if content.pending:
        opts = report.options
        section = report.pending_too_long
        out.append(
            _Section(
                t(
                    "digest.section.pending",
                    locale,
                    days=_days(opts.pending_days, locale),
                    n=section.total,
                ),
                [
                    (*_who(s, report), _ours(f" — {_pending_for(s, report, locale)}"))
                    for s in section.items
                ],
                section.total,
                export("export pending"),
            )
        )

        def stuck(n: int) -> str:
            return t("digest.more_stuck", locale, n=n, days=opts.not_verified_days)

        out.append(
            _Section(
                t(
                    "digest.section.not_verified",
                    locale,
                    state=state(ControlHubState.NOT_VERIFIED, locale),
                    days=_days(opts.not_verified_days, locale),
                    n=report.not_verified.total,
                ),
                [_stuck_line(s, report, locale) for s in report.not_verified.items],
                report.not_verified.total,
                stuck,
            )
        )
        out.append(
            _Section(
                t(
                    "digest.section.claims",
                    locale,
                    state=state(ControlHubState.DELAYED_CLAIM, locale),
                    within=t("digest.claims_within", locale, n=opts.claim_days * 24),
                    n=report.claims.total,
                ),
                [_stuck_line(s, report, locale) for s in report.claims.items],
                report.claims.total,
                stuck,
            )
        )
    return [s for s in out if s.total]


def _title(view: DigestView, locale: str) -> str:
    return t("digest.title", locale, time=moment(view.fire_time, view.timezone, locale))


def _since(view: DigestView, locale: str) -> str:
    report = view.report
    if report.previous_at is None or report.change is None:
        return t("digest.first", locale)
    when = moment(report.previous_at, view.timezone, locale)
    return t("digest.since", locale, time=when, changes=change_text(report.change, locale))


# --- markdown ----------------------------------------------------------------------------------


def digest_markdown(view: DigestView, locale: str) -> str:
    """The digest as markdown under 7439 bytes (one line when nothing changed)."""
    report = view.report
    if not report.changed and report.previous_at is not None:
        return t(
            "digest.nothing_changed",
            locale,
            title=_title(view, locale),
            time=moment(report.previous_at, view.timezone, locale),
            totals=totals_text(report, locale, icons=False),
        )
    text = ""
    for limit in _LIST_LIMITS:
        text = _digest_markdown(view, locale, limit)
        if size(text) <= MAX_BYTES:
            return text
    return clamp(text, locale)


def _digest_markdown(view: DigestView, locale: str, limit: int) -> str:
    report = view.report
    lines = [_title(view, locale), _since(view, locale), "", totals_text(report, locale)]
    by_status = _status_counts(report, locale)
    if by_status:
        lines.append(f"{t('digest.by_status', locale)}: {by_status}")
    customers, more_customers = _customer_lines(report, min(limit, MARKDOWN_CUSTOMERS))
    if customers:
        lines.append(f"{t('digest.by_customer', locale)}:")
        lines += [f"- {_line_markdown(line)}" for line in customers]
        if more_customers:
            lines.append(t("digest.customers_more", locale, n=more_customers))
    for section in _sections(report, locale, view.error_text):
        lines += ["", f"**{section.heading}**"]
        lines += [f"- {_line_markdown(line)}" for line in section.lines[:limit]]
        hidden = section.total - min(len(section.lines), limit)
        if hidden:
            lines.append(section.more(hidden))
    if report.content.errors and report.new_errors.total and limit:
        hint = "digest.error_hint" if view.error_text else "digest.error_hint_viewers"
        lines += ["", t(hint, locale)]
    return "\n".join(lines)


def _schedule_text(spec: DigestSpec, locale: str) -> str:
    kind, value = describe_cron(spec.cron)
    if kind is ScheduleKind.CRON:
        return t("digest.schedule.cron", locale, cron=value)
    return t(f"digest.schedule.{kind.value}", locale, time=value)


def _entry_text(spec: DigestSpec, locale: str) -> str:
    parts = [
        f"**#{spec.id}** {_schedule_text(spec, locale)} ({esc(spec.timezone)})",
        t(f"digest.content.{spec.content.value}", locale),
    ]
    if spec.quiet:
        parts.append(t("digest.quiet", locale))
    if spec.source.value == "config":
        parts.append(t("digest.source.config", locale))
    else:
        parts.append(t("digest.source.chat", locale, who=esc(spec.created_by or "?")))
    return " · ".join(parts)


def list_markdown(view: DigestListView, locale: str) -> str:
    """The digests of a space."""
    if not view.digests:
        return t("digest.list.none", locale)
    lines = [t("digest.list.title", locale, n=len(view.digests))]
    for entry in view.digests:
        extra = []
        if entry.next_fire is not None:
            when = moment(entry.next_fire, entry.spec.timezone, locale)
            extra.append(t("digest.list.next", locale, time=when))
        if entry.last_posted is not None:
            when = moment(entry.last_posted, entry.spec.timezone, locale)
            extra.append(t("digest.list.last", locale, time=when))
        lines.append("- " + " · ".join([_entry_text(entry.spec, locale), *extra]))
    lines.append(t("digest.list.off_hint", locale))
    return clamp("\n".join(lines), locale)


@markdown_renderer
def markdown(view: DigestViews, locale: str) -> str:
    """Any digest view as Webex markdown."""
    if isinstance(view, DigestView):
        return digest_markdown(view, locale)
    if isinstance(view, DigestListView):
        return list_markdown(view, locale)
    spec = view.spec
    if isinstance(view, DigestSavedView):
        nxt = "—" if view.next_fire is None else moment(view.next_fire, spec.timezone, locale)
        return t(
            "digest.saved",
            locale,
            id=spec.id,
            schedule=_schedule_text(spec, locale),
            timezone=esc(spec.timezone),
            content=t(f"digest.content.{spec.content.value}", locale),
            next=nxt,
        )
    return t("digest.stopped", locale, id=spec.id)


# --- the card ----------------------------------------------------------------------------------


def digest_card(view: DigestView, locale: str) -> dict[str, Any]:
    """The digest as an Adaptive Card 1.3 with one button (post again now).

    Names, emails, IDs and error texts are TextRuns (never markdown); TextBlocks and the FactSet
    hold only our own words and numbers.
    """
    report = view.report
    body: list[dict[str, Any]] = [
        ac.md(_title(view, locale), size="medium"),
        ac.text(_since(view, locale), isSubtle=True, spacing="None"),
    ]
    if not report.changed and report.previous_at is not None:
        body.append(ac.text(totals_text(report, locale)))
    else:
        facts = [
            (
                f"{GROUP_ICON[g]} {group_label(g, locale)}",
                numbers.number(report.summary.by_group.get(g, 0), locale),
            )
            for g in _GROUP_ORDER
        ]
        facts += [
            (t(f"status.{s.value}", locale), numbers.number(n, locale))
            for s, n in report.summary.by_status.items()
            if n and s.group is StatusGroup.PENDING
        ]
        # As the markdown has them: the total over the groups, then the pending requests by status.
        groups = len(_GROUP_ORDER)
        body.append(
            ac.text(t("card.digest.users", locale, n=report.summary.total), weight="bolder")
        )
        body.append(ac.facts(facts[:groups], spacing="Small"))
        if facts[groups:]:
            body.append(ac.text(t("digest.by_status", locale), weight="bolder"))
            body.append(ac.facts(facts[groups:], spacing="Small"))
        customers, more = _customer_lines(report, CARD_CUSTOMERS)
        if customers:
            body.append(ac.text(t("digest.by_customer", locale), weight="bolder"))
            body += [_line_card(line, spacing="None") for line in customers]
            if more:
                body.append(ac.text(t("digest.customers_more", locale, n=more), isSubtle=True))
        for section in _sections(report, locale, view.error_text):
            items = [
                _line_card((_ours("• "), *line), spacing="Small")
                for line in section.lines[:CARD_ITEMS]
            ]
            hidden = section.total - min(len(section.lines), CARD_ITEMS)
            if hidden:
                items.append(ac.md(section.more(hidden), isSubtle=True, spacing="Small"))
            body.append(
                ac.container([ac.text(section.heading, weight="bolder"), *items], separator=True)
            )
        if report.content.errors and report.new_errors.total and not view.error_text:
            body.append(ac.md(t("digest.error_hint_viewers", locale), isSubtle=True))
    data = {} if view.digest_id is None else {"digest_id": view.digest_id}
    return ac.card(body, [ac.submit(t("digest.card.refresh", locale), "digest.now", data)])


@card_renderer
def card(view: DigestViews, locale: str) -> dict[str, Any] | None:
    """The card of a digest view (only the digest itself has one)."""
    return digest_card(view, locale) if isinstance(view, DigestView) else None
