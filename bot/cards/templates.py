"""Customer templates: the *User Authentication* check, one customer or all of them."""

from __future__ import annotations

from typing import Any

from bot.cards import _ac as ac
from bot.cards._md import GROUP_ICON, code, esc, fit, msg
from bot.cards._render import card_renderer, markdown_renderer
from commands.parsing import quote
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


@markdown_renderer
def markdown(view: TemplateView | TemplatesView, locale: str) -> str:
    """The markdown of a template check or of the customer list."""
    if isinstance(view, TemplateView):
        return _one(view, locale)
    return _all(view, locale)


# --- Adaptive Cards ------------------------------------------------------------------------------

CARD_CUSTOMERS = 25


def _setting(
    ok: bool | None, label_key: str, good_key: str, bad_key: str, fix_key: str, locale: str
) -> list[dict[str, Any]]:
    mark = ac.run(_mark(ok) + " ")
    out = [
        ac.rich(
            mark,
            ac.run(t(label_key, locale), weight="bolder"),
            ": ",
            *ac.md_runs(t(good_key if ok else bad_key, locale)),
        )
    ]
    if not ok:
        out.append(ac.msg(fix_key, locale, block={"spacing": "None", "color": "attention"}))
    return out


def _one_card(view: TemplateView, locale: str) -> dict[str, Any]:
    report = view.report
    cust = report.customer
    body: list[dict[str, Any]] = [ac.msg("md.template.title", locale, name=cust.name, id=cust.id)]
    if not report.known:
        body.append(
            ac.rich(ac.run("❔ "), *ac.msg_runs("md.template.unknown", locale, name=cust.name))
        )
    else:
        body += _setting(
            report.untrusted_emails_ok,
            "card.template.setting_untrusted",
            "md.template.untrusted_ok",
            "md.template.untrusted_bad",
            "card.template.fix_untrusted",
            locale,
        )
        body += _setting(
            report.share_link_ok,
            "card.template.setting_share",
            "md.template.share_ok",
            "md.template.share_bad",
            "card.template.fix_share",
            locale,
        )
        body.append(
            ac.md(t("md.template.ok" if report.ok else "md.template.bad", locale), separator=True)
        )
        if not report.ok:
            body.append(ac.md(t("md.template.where", locale), isSubtle=True))
    show = ac.submit(
        t("card.template.users", locale), "status.list", {"filters": f"customer {quote(cust.id)}"}
    )
    return ac.card(body, [show])


def _all_card(view: TemplatesView, locale: str) -> dict[str, Any]:
    body: list[dict[str, Any]] = [ac.md(t("md.templates.title", locale, n=len(view.rows)))]
    rows = list(view.rows)[:CARD_CUSTOMERS]
    for row in rows:
        cust = row.summary.customer
        counts = " · ".join(f"{GROUP_ICON[g]} {row.summary.counts.get(g, 0)}" for g in StatusGroup)
        body.append(
            ac.rich(
                ac.run(cust.name, weight="bolder"),
                " (",
                ac.run(cust.id, fontType="monospace"),
                f"): {counts} — {verdict(row.report, locale)}",
                separator=True,
            )
        )
    if len(view.rows) > len(rows):
        body.append(
            ac.msg("md.more_plain", locale, block={"isSubtle": True}, n=len(view.rows) - len(rows))
        )
    if not view.rows:
        body.append(ac.md(t("md.templates.none", locale)))
        return ac.card(body)
    body.append(ac.md(t("md.templates.hint", locale), isSubtle=True))
    body.append(
        ac.choice_set(
            "customer",
            t("card.customer", locale),
            [
                (
                    ac.one_line(f"{r.summary.customer.name} ({r.summary.customer.id})")[:120],
                    r.summary.customer.id,
                )
                for r in rows
            ],
            value=rows[0].summary.customer.id,
            required=True,
            error=t("card.customer.choose", locale),
        )
    )
    check = ac.submit(
        t("card.templates.check", locale),
        "template.check",
        {"customer": rows[0].summary.customer.id},
    )
    return ac.card(body, [check])


@card_renderer
def card(view: TemplateView | TemplatesView, locale: str) -> dict[str, Any] | None:
    """The card of a template check (with the customer's users a click away) or of all customers."""
    if isinstance(view, TemplateView):
        return _one_card(view, locale)
    return _all_card(view, locale)
