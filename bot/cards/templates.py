"""Customer templates: the *User Authentication* check, one customer or all of them."""

from __future__ import annotations

from bot.cards._md import GROUP_ICON, code, esc, fit, msg
from commands.views import TemplatesView, TemplateView
from i18n import t
from onboarding.model import StatusGroup
from onboarding.providers.base import TemplateReport


def _mark(value: bool | None) -> str:
    return "❔" if value is None else ("✅" if value else "❌")


def verdict(report: TemplateReport, locale: str) -> str:
    """One word on the template: right, wrong or unknown."""
    ok = report.ok
    key = (
        "md.template.unknown_short"
        if ok is None
        else ("md.template.ok_short" if ok else "md.template.bad_short")
    )
    return f"{_mark(ok)} {t(key, locale)}"


def _one(view: TemplateView, locale: str) -> str:
    report = view.report
    cust = report.customer
    lines = [msg("md.template.title", locale, name=cust.name, id=cust.id)]
    if not report.known:
        lines.append(msg("md.template.unknown", locale, name=cust.name))
        return "\n".join(lines)
    lines.append(
        f"- {_mark(report.untrusted_emails_ok)} "
        + t(
            "md.template.untrusted_ok"
            if report.untrusted_emails_ok
            else "md.template.untrusted_bad",
            locale,
        )
    )
    lines.append(
        f"- {_mark(report.share_link_ok)} "
        + t("md.template.share_ok" if report.share_link_ok else "md.template.share_bad", locale)
    )
    lines.append(t("md.template.ok" if report.ok else "md.template.bad", locale))
    if not report.ok:
        lines.append(t("md.template.where", locale))
    return "\n".join(lines)


def _all(view: TemplatesView, locale: str) -> str:
    head = [t("md.templates.title", locale, n=len(view.rows))]
    items = []
    for row in view.rows:
        cust = row.summary.customer
        counts = " · ".join(f"{GROUP_ICON[g]} {row.summary.counts.get(g, 0)}" for g in StatusGroup)
        items.append(
            f"- **{esc(cust.name)}** ({code(cust.id)}): {counts} — {verdict(row.report, locale)}"
        )
    tail = [msg("md.templates.hint", locale)]
    if not items:
        tail.insert(0, t("md.templates.none", locale))
    return fit(head, items, tail, lambda n: msg("md.more_plain", locale, n=n))


def markdown(view: TemplateView | TemplatesView, locale: str) -> str:
    """The markdown of a template check or of the customer list."""
    if isinstance(view, TemplateView):
        return _one(view, locale)
    return _all(view, locale)
