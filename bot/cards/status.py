"""Subscriber lists, one subscriber, its error text and exports (Partner Hub's *User Status*)."""

from __future__ import annotations

from bot.cards._md import (
    GROUP_ICON,
    MAX_BYTES,
    Raw,
    block,
    code,
    esc,
    fit,
    freshness,
    group_label,
    msg,
    name_of,
    package_label,
    size,
    status_label,
    when,
)
from commands.views import ErrorTextView, ExportView, StatusListView, UserDetailView
from i18n import t
from onboarding.model import StatusGroup, Subscriber
from onboarding.queries import SubscriberQuery

#: The typed command each card action of a user stands for, with its arguments.
_ACTION_COMMANDS = {
    "user.retry": "retry {ref} <{email}>",
    "user.delete": "delete {ref}",
    "user.package": "package {ref} <{package}>",
    "user.error": "error {ref}",
}


def describe_query(query: SubscriberQuery, locale: str) -> str:
    """The filters of a list in words: groups or statuses, customer, package, search."""
    parts: list[str] = []
    if query.statuses:
        parts.append(", ".join(esc(t(f"status.{s.value}", locale)) for s in sorted(query.statuses)))
    elif query.groups:
        order = [g for g in StatusGroup if g in query.groups]
        parts.append(", ".join(group_label(g, locale) for g in order))
    elif query.include_provisioned:
        parts.append(t("md.filter.all", locale))
    else:
        parts.append(t("md.filter.not_provisioned", locale))
    if query.customer:
        parts.append(msg("md.filter.customer", locale, customer=query.customer))
    if query.package:
        parts.append(
            msg("md.filter.package", locale, package=t(f"package.{query.package}", locale))
        )
    if query.text:
        parts.append(msg("md.filter.search", locale, text=query.text))
    return " · ".join(parts)


def subscriber_line(sub: Subscriber, locale: str) -> str:
    """One subscriber as a list item."""
    email = esc(sub.email) if sub.email else t("md.no_email", locale)
    return (
        f"- {GROUP_ICON[sub.status.group]} **{name_of(sub)}** — {email} · "
        f"{code(sub.user_id)} · {package_label(sub, locale)} · {esc(sub.customer)} · "
        f"{status_label(sub.status, locale)}"
    )


def _status_list(view: StatusListView, locale: str) -> str:
    page = view.page
    head = [
        msg(
            "md.status.title",
            locale,
            filters=Raw(describe_query(view.query, locale)),
            total=page.total,
            page=page.page,
            pages=page.pages,
        )
    ]
    if not view.query.include_provisioned and not view.query.statuses and not view.query.groups:
        head.append(
            "_"
            + t("md.status.excluding", locale, toggle=t("action.exclude_provisioned", locale))
            + "_"
        )
    items = [subscriber_line(s, locale) for s in page.items]
    tail: list[str] = []
    if not items:
        key = "md.status.empty_page" if page.total else "md.status.empty"
        tail.append(msg(key, locale, page=page.page, pages=page.pages))
    if page.has_next:
        nxt = " ".join(["status", *view.words, "page", str(page.page + 1)])
        tail.append(msg("md.status.next", locale, command=nxt))
    tail.append(msg("md.status.hint", locale))
    tail.append(freshness(view.fresh_as_of, view.now, locale))
    return fit(head, items, tail, lambda n: msg("md.more", locale, n=n))


def _user_detail(view: UserDetailView, locale: str) -> str:
    sub = view.subscriber
    ref = sub.email or sub.user_id
    email = esc(sub.email) if sub.email else t("md.no_email", locale)
    status = status_label(sub.status, locale)
    lines = [
        f"{GROUP_ICON[sub.status.group]} **{name_of(sub)}** — {status_label(sub.status, locale)}",
        f"- {t('md.field.broadworks_id', locale)}: {code(sub.user_id)}",
        f"- {t('md.field.email', locale)}: {email}",
        f"- {t('md.field.customer', locale)}: {esc(sub.customer)}",
        f"- {t('md.field.package', locale)}: {package_label(sub, locale)}",
        f"- {t('md.field.status', locale)}: {status} ({code(sub.status.value)})",
        f"- {t('md.field.changed', locale)}: {when(sub.last_status_change, locale)}",
        f"- {t('md.field.subscriber_id', locale)}: {code(sub.id)}",
    ]
    if sub.errors:
        codes = ", ".join(str(e.code) for e in sub.errors)
        lines.append(
            f"- {msg('md.field.error_codes', locale, codes=codes, command=f'error {ref}')}"
        )
    for key in view.advice:
        lines.append(f"> {msg(key, locale, customer=sub.customer)}")
    if view.actions:
        commands = [
            code(
                _ACTION_COMMANDS[a].format(
                    ref=ref, email=t("arg.email", locale), package=t("arg.package", locale)
                )
            )
            for a in view.actions
            if a in _ACTION_COMMANDS
        ]
        lines.append(f"{t('md.actions', locale)}: " + " · ".join(commands))
    lines.append(freshness(view.fresh_as_of, view.now, locale))
    return "\n".join(lines)


def _error_text(view: ErrorTextView, locale: str) -> str:
    sub = view.report.subscriber
    head = [
        msg("md.error.title", locale, action=t("action.copy_error", locale))
        + f" {name_of(sub)} ({code(sub.user_id)})",
    ]
    if not sub.errors:
        head.append(msg("md.error.none", locale, status=status_label(sub.status, locale)))
        return "\n".join(head)
    tail = [msg("md.error.codes", locale, codes=", ".join(str(e.code) for e in sub.errors))]
    tail += [f"> {msg(key, locale, customer=sub.customer)}" for key in view.report.advice]
    text = sub.error_text
    budget = MAX_BYTES - size("\n".join([*head, *tail])) - 200
    cut_note = ""
    if size(block(text)) > budget:
        raw = text.encode("utf-8")[: max(budget, 0)].decode("utf-8", "ignore")
        cut_note = msg("md.error.cut", locale, n=len(text) - len(raw), ref=sub.user_id)
        text = raw
    parts = [*head, block(text)]
    if cut_note:
        parts.append(cut_note)
    return "\n".join([*parts, *tail])


def _export_text(view: ExportView, locale: str, filters: str) -> str:
    return "\n".join(
        [
            f"📄 {msg('md.export.done', locale, rows=view.rows, file=view.filename)}",
            f"{t('md.export.filters', locale)}: {filters}",
        ]
    )


def markdown(
    view: StatusListView | UserDetailView | ErrorTextView | ExportView, locale: str
) -> str:
    """The markdown of a subscriber list, one subscriber, an error text or an export."""
    if isinstance(view, StatusListView):
        return _status_list(view, locale)
    if isinstance(view, UserDetailView):
        return _user_detail(view, locale)
    if isinstance(view, ErrorTextView):
        return _error_text(view, locale)
    words = code(" ".join(view.words)) if view.words else t("md.filter.default", locale)
    return _export_text(view, locale, words)
