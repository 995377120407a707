"""Subscriber lists, one subscriber, its error text and exports (Partner Hub's *User Status*)."""

from __future__ import annotations

from typing import Any

from bot.cards import _ac as ac
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
    tip,
    when,
)
from bot.cards._render import card_renderer, markdown_renderer
from commands.parsing import ALL, GROUP_WORDS, VALUED_FILTERS, convert_status, quote, tokenize
from commands.registry import Role
from commands.views import ErrorTextView, ExportView, Label, StatusListView, UserDetailView
from i18n import t
from onboarding.errors import InvalidInput
from onboarding.model import Package, ProvisioningStatus, StatusGroup, Subscriber
from onboarding.queries import SubscriberQuery

#: The role that reads error text (``error <user>``), worded in the reply's locale.
_SUPPORT = Label(Role.SUPPORT.key)

#: The typed command each card action of a user stands for, with its arguments.
_ACTION_COMMANDS = {
    "user.retry": "retry {ref} <{email}>",
    "user.delete": "delete {ref}",
    "user.package": "package {ref} <{package}>",
    "user.error": "error {ref}",
}


def _status_part(query: SubscriberQuery, locale: str) -> str:
    """Which statuses a list shows, in our own words (exact statuses, groups, or the default)."""
    if query.statuses:
        return ", ".join(t(f"status.{s.value}", locale) for s in sorted(query.statuses))
    if query.groups:
        return ", ".join(group_label(g, locale) for g in StatusGroup if g in query.groups)
    return t("md.filter.all" if query.include_provisioned else "md.filter.not_provisioned", locale)


def describe_query(query: SubscriberQuery, locale: str) -> str:
    """The filters of a list in words, as markdown: statuses, customer, package, search."""
    parts = [_status_part(query, locale)]
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
            total=page.total_label,
            page=page.page,
            pages=page.pages_label,
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
        tail.append(msg(key, locale, page=page.page, pages=page.pages_label))
    if page.has_next:
        nxt = " ".join(["status", *view.words, "page", str(page.page + 1)])
        tail.append(msg("md.status.next", locale, command=nxt))
    tail.append(
        msg("md.status.hint" if view.error_text else "md.status.hint_no_error_text", locale)
    )
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
        if view.error_text:
            line = msg("md.field.error_codes", locale, codes=codes, command=f"error {ref}")
        else:
            line = msg("md.field.error_codes_no_text", locale, codes=codes, role=_SUPPORT)
        lines.append(f"- {line}")
    for advice in view.advice:
        lines.append(f"> {tip(advice, locale)}")
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
    tail += [f"> {tip(advice, locale)}" for advice in view.report.advice]
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
    lines = [
        f"📄 {msg('md.export.done', locale, rows=view.rows, file=view.filename)}",
        f"{t('md.export.filters', locale)}: {filters}",
    ]
    if view.csv_mb:
        lines.append(msg("md.export.zipped", locale, size=view.csv_mb, zipped=view.zip_mb))
    return "\n".join(lines)


@markdown_renderer
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


# --- Adaptive Cards ------------------------------------------------------------------------------

#: Rows a list card shows at most (the page may be longer; the markdown has every row).
CARD_ROWS = 20
_ROWS_BUDGET = 12_000
ERROR_SUMMARY_CHARS = 140
ERROR_TEXT_CHARS = 1500
_COLOR = {
    StatusGroup.PROVISIONED: "good",
    StatusGroup.PENDING: "warning",
    StatusGroup.ERROR: "attention",
}


def plain_query(query: SubscriberQuery, locale: str) -> str:
    """The filters of a list in words, unescaped (it goes into a literal text run)."""
    parts = [_status_part(query, locale)]
    if query.customer:
        parts.append(t("card.filter.customer", locale, customer=query.customer))
    if query.package:
        parts.append(t("md.filter.package", locale, package=t(f"package.{query.package}", locale)))
    if query.text:
        parts.append(t("card.filter.search", locale, text=query.text))
    return " · ".join(parts)


def _status_runs(sub: Subscriber, locale: str) -> list[dict[str, Any]]:
    return [
        ac.run(GROUP_ICON[sub.status.group] + " "),
        ac.run(status_label(sub.status, locale), color=_COLOR[sub.status.group], weight="bolder"),
    ]


def _row(sub: Subscriber, locale: str, error_text: bool) -> dict[str, Any]:
    name = sub.display_name or sub.user_id
    email = ac.run(sub.email) if sub.email else ac.run(t("md.no_email", locale), isSubtle=True)
    items = [
        ac.rich(ac.run(name, weight="bolder"), " — ", email),
        ac.rich(
            ac.run(sub.user_id, fontType="monospace"),
            f" · {package_label(sub, locale)} · {sub.customer} · ",
            *_status_runs(sub, locale),
            spacing="None",
        ),
    ]
    if sub.errors and error_text:
        first = sub.errors[0]
        more = f" (+{len(sub.errors) - 1})" if len(sub.errors) > 1 else ""
        summary, _ = ac.clip(ac.one_line(f"{first.code}: {first.description}"), ERROR_SUMMARY_CHARS)
        items.append(ac.literal(summary + more, color="attention", spacing="None"))
    elif sub.errors:
        codes = ", ".join(str(e.code) for e in sub.errors)
        items.append(ac.msg("md.error.codes", locale, block={"spacing": "None"}, codes=codes))
    return ac.container(items, separator=True)


def _choice_title(sub: Subscriber) -> str:
    name = sub.display_name or sub.user_id
    return ac.one_line(f"{name} — {sub.email or sub.user_id}")[:120]


def _list_card(view: StatusListView, locale: str) -> dict[str, Any]:
    page = view.page
    body: list[dict[str, Any]] = [
        ac.msg(
            "md.status.title",
            locale,
            filters=plain_query(view.query, locale),
            total=page.total_label,
            page=page.page,
            pages=page.pages_label,
        )
    ]
    excluding = not view.query.include_provisioned
    body.append(
        ac.rich(
            *ac.msg_runs(
                "card.exclude",
                locale,
                toggle=t("action.exclude_provisioned", locale),
                state=t("card.on" if excluding else "card.off", locale),
            ),
            isSubtle=True,
            spacing="None",
        )
    )
    subs = list(page.items)[:CARD_ROWS]
    rows, cut = ac.fit_rows([_row(s, locale, view.error_text) for s in subs], _ROWS_BUDGET)
    subs = subs[: len(rows)]
    cut += len(page.items) - min(len(page.items), CARD_ROWS)
    body += rows
    if cut:
        body.append(ac.msg("card.rows_cut", locale, block={"isSubtle": True}, n=cut))
    if not page.items:
        key = "md.status.empty_page" if page.total else "md.status.empty"
        body.append(ac.msg(key, locale, page=page.page, pages=page.pages_label))
    actions: list[dict[str, Any]] = []
    if subs:
        first = subs[0].id
        body.append(
            ac.choice_set(
                "user",
                t("card.user", locale),
                [(_choice_title(s), s.id) for s in subs],
                value=first,
                required=True,
                error=t("card.user.choose", locale),
            )
        )
        # *Open* stands alone under the choice it opens: four buttons in a row don't fit a phone.
        body.append(
            ac.action_set(ac.submit(t("card.open", locale), "user.status", {"user": first}))
        )
    form = _filter_form(view.query, view.words, locale)
    pages: list[dict[str, Any]] = []
    if page.has_previous:
        prev = " ".join([*view.words, "page", str(page.page - 1)])
        pages.append(ac.submit(t("card.previous", locale), "status.list", {"filters": prev}))
    if page.has_next:
        nxt = " ".join([*view.words, "page", str(page.page + 1)])
        pages.append(ac.submit(t("card.next", locale), "status.list", {"filters": nxt}))
    if pages:
        body.append(ac.action_set(*pages))
    if "export" in view.actions:
        # Partner Hub's *Export*: the list as filtered now, every page (as `export` does).
        words = " ".join(view.words)
        used = ac.count_actions({"type": "AdaptiveCard", "body": body, "actions": [form]})
        if used < ac.MAX_ACTIONS:
            actions.append(ac.submit(t("action.export", locale), "export", {"filters": words}))
        else:
            # Five buttons at most (Webex): between two page buttons, the export is typed.
            command = f"export {words}".strip()
            body.append(ac.msg("card.export_typed", locale, command=command))
    body.append(ac.md(freshness(view.fresh_as_of, view.now, locale).strip("_"), isSubtle=True))
    # The filter form lives in a show-card: per the spec, the main card's buttons do not gather
    # its input, so the page buttons keep their own ``filters``.
    actions.append(form)
    return ac.card(body, actions)


#: The status choices of the filter form that stand for groups, with the groups they mean.
_GROUP_CHOICES = tuple(
    (w, GROUP_WORDS[w]) for w in ("pending", "requests", "errors", "provisioned")
)
#: Exact statuses that say no more than their group (the group choice stands for them).
_GROUP_ONLY = (ProvisioningStatus.PROVISIONED, ProvisioningStatus.ERROR)


def _status_choices(locale: str) -> list[tuple[str, str]]:
    groups = [
        (", ".join(group_label(g, locale) for g in StatusGroup if g in wanted), word)
        for word, wanted in _GROUP_CHOICES
    ]
    exact = [(status_label(s, locale), s.value) for s in ProvisioningStatus if s not in _GROUP_ONLY]
    return groups + exact


def _status_choice(query: SubscriberQuery) -> str | None:
    """The one status choice that is the query's status filter, if there is one."""
    if len(query.statuses) == 1 and not query.groups:
        return next(iter(query.statuses)).value
    if query.groups and not query.statuses:
        return next((w for w, g in _GROUP_CHOICES if g == query.groups), None)
    return None


def _other_words(words: tuple[str, ...], chosen: str | None) -> str:
    """The filter words the form's own inputs don't hold (package, or statuses it can't show)."""
    out: list[str] = []
    tokens = tokenize(" ".join(words))
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in VALUED_FILTERS and i + 1 < len(tokens):
            if token == "package":
                out += [token, tokens[i + 1]]
            i += 2
            continue
        i += 1
        try:
            choice = convert_status(token)
        except InvalidInput:
            continue  # free text: the search input holds it
        if choice != ALL and chosen is None:
            out.append(quote(token))
    return " ".join(out)


def _filter_form(query: SubscriberQuery, words: tuple[str, ...], locale: str) -> dict[str, Any]:
    """*Filter*: status, customer, search, *Exclude provisioned* and any other filter words."""
    chosen = _status_choice(query)
    status = ac.choice_set(
        "status",
        t("md.field.status", locale),
        _status_choices(locale),
        error=t("card.status.choose", locale),
    )
    status["placeholder"] = t("card.status_any", locale)
    if chosen is not None:
        status["value"] = chosen
    other = _other_words(words, chosen)
    exclude = {
        "type": "Input.Toggle",
        "id": "exclude_provisioned",
        "title": t("action.exclude_provisioned", locale),
        "value": "false" if query.include_provisioned else "true",
        "valueOn": "true",
        "valueOff": "false",
    }
    body = [
        status,
        ac.input_text(
            "customer", t("md.field.customer", locale), value=query.customer, max_length=200
        ),
        ac.input_text("search", t("card.search_label", locale), value=query.text, max_length=200),
        exclude,
        ac.input_text(
            "filters",
            t("card.more_filters", locale),
            value=other,
            placeholder=t("card.filters_placeholder", locale),
            max_length=200,
        ),
        ac.md(t("md.help.filters", locale), isSubtle=True),
    ]
    return ac.show_card(
        t("card.filter", locale),
        body,
        [ac.submit(t("card.apply", locale), "status.list", {"filters": other})],
    )


def _stacked(label: str, value: dict[str, Any]) -> list[dict[str, Any]]:
    """A label over its value, the value the card's whole width (ids and emails have no spaces)."""
    return [ac.text(label, isSubtle=True, spacing="Small"), {**value, "spacing": "None"}]


def _fields(sub: Subscriber, locale: str) -> list[dict[str, Any]]:
    # The subscriber id (60 base64 characters) is the text fallback's only: no client wraps it.
    email = (
        ac.literal(sub.email) if sub.email else ac.literal(t("md.no_email", locale), isSubtle=True)
    )
    return [
        *_stacked(
            t("md.field.broadworks_id", locale), ac.literal(sub.user_id, fontType="monospace")
        ),
        *_stacked(t("md.field.email", locale), email),
        ac.field(t("md.field.customer", locale), sub.customer),
        ac.field(t("md.field.package", locale), package_label(sub, locale)),
        ac.field(t("md.field.status", locale), ac.rich(*_status_runs(sub, locale))),
        ac.field(t("md.field.changed", locale), when(sub.last_status_change, locale)),
    ]


def error_block(sub: Subscriber, locale: str) -> list[dict[str, Any]]:
    """The error text verbatim in monospace (cut when long), and the error codes."""
    text, cut = ac.clip(sub.error_text, ERROR_TEXT_CHARS)
    out = [
        ac.text(t("card.error_text", locale), weight="bolder", separator=True),
        ac.literal(text, fontType="monospace"),
        ac.msg(
            "md.error.codes",
            locale,
            block={"spacing": "Small"},
            codes=", ".join(str(e.code) for e in sub.errors),
        ),
    ]
    if cut:
        out.append(ac.msg("card.error_cut", locale, block={"isSubtle": True}, n=cut))
    return out


def _retry(sub: Subscriber, locale: str) -> dict[str, Any]:
    return ac.show_card(
        t("action.retry", locale),
        [
            ac.msg("card.retry.explain", locale),
            retry_email_input(sub.email, locale),
        ],
        [ac.submit(t("action.onboard", locale), "user.retry", {"user": sub.id}, style="positive")],
    )


def _package_input(sub: Subscriber, locale: str) -> dict[str, Any]:
    choices = []
    for p in Package:
        title = t(f"package.{p.value}", locale)
        if p is sub.package:
            title = t("card.package.current", locale, package=title)
        choices.append((title, p.value))
    return ac.choice_set(
        "package",
        t("md.field.package", locale),
        choices,
        value=sub.package.value,
        required=True,
        error=t("card.package.choose", locale),
    )


def _package_submit(sub: Subscriber, locale: str) -> dict[str, Any]:
    return ac.submit(t("action.package", locale), "user.package", {"user": sub.id})


def _delete_submit(sub: Subscriber, locale: str) -> dict[str, Any]:
    return ac.submit(
        t("action.delete", locale), "user.delete", {"user": sub.id}, style="destructive"
    )


def _detail_card(view: UserDetailView, locale: str) -> dict[str, Any]:
    sub = view.subscriber
    body: list[dict[str, Any]] = [
        ac.rich(
            ac.run(sub.display_name or sub.user_id, weight="bolder", size="medium"),
            "  ",
            *_status_runs(sub, locale),
        ),
        *_fields(sub, locale),
    ]
    if sub.errors and view.error_text:
        body += error_block(sub, locale)
    elif sub.errors:
        codes = ", ".join(str(e.code) for e in sub.errors)
        body.append(
            ac.msg(
                "md.field.error_codes_no_text",
                locale,
                block={"separator": True},
                codes=codes,
                role=_SUPPORT,
            )
        )
    for advice in view.advice:
        body.append(ac.rich(ac.run("💡 "), *ac.msg_runs(advice.key, locale, **advice.params)))
    allowed = set(view.actions)
    # The primary action (*Retry activation*) is the card's one button row; the others stand
    # each in a row of its own under what they act on: Partner Hub's labels don't fit four across
    # a phone, and a cut-off *Delete* button is not one to trust.
    actions: list[dict[str, Any]] = []
    if "user.retry" in allowed:
        actions.append(_retry(sub, locale))
    if "user.package" in allowed:
        body.append(ac.msg("card.package.explain", locale, block={"isSubtle": True}))
        body.append(_package_input(sub, locale))
        body.append(ac.action_set(_package_submit(sub, locale)))
    if "user.delete" in allowed:
        # Still asks first: the server answers with a confirmation card.
        body.append(ac.msg("card.delete.explain", locale, block={"isSubtle": True}))
        body.append(ac.action_set(_delete_submit(sub, locale), spacing="None"))
    if "user.error" in allowed:
        body.append(ac.msg("card.copy_hint", locale, block={"isSubtle": True}))
        body.append(
            ac.action_set(
                ac.submit(t("action.copy_error", locale), "user.error", {"user": sub.id}),
                spacing="None",
            )
        )
    body.append(ac.md(freshness(view.fresh_as_of, view.now, locale).strip("_"), isSubtle=True))
    return ac.card(body, actions)


def _export_card(view: ExportView, locale: str) -> dict[str, Any]:
    words = " ".join(view.words)
    body = [
        ac.rich(
            ac.run("📄 "),
            *ac.msg_runs("md.export.done", locale, rows=view.rows, file=view.filename),
        ),
        ac.field(t("md.export.filters", locale), words or t("md.filter.default", locale)),
        ac.msg("card.export.file", locale, block={"isSubtle": True}),
    ]
    if view.csv_mb:
        body.append(ac.msg("md.export.zipped", locale, size=view.csv_mb, zipped=view.zip_mb))
    show = ac.submit(t("card.export.show", locale), "status.list", {"filters": words})
    return ac.card(body, [show])


@card_renderer
def card(
    view: StatusListView | UserDetailView | ErrorTextView | ExportView, locale: str
) -> dict[str, Any] | None:
    """The card of a subscriber list, one subscriber or an export.

    The error text has none: *Copy error text* must arrive as a plain message whose code block
    copies cleanly, and a message with a card shows the card instead of its markdown.
    """
    if isinstance(view, StatusListView):
        return _list_card(view, locale)
    if isinstance(view, UserDetailView):
        return _detail_card(view, locale)
    if isinstance(view, ExportView):
        return _export_card(view, locale)
    return None


def retry_email_input(value: str | None, locale: str) -> dict[str, Any]:
    """The retry form's email field (the detail card's and ``why``'s), prefilled with ``value``."""
    return ac.input_text(
        "email",
        t("md.field.email", locale),
        value=value,
        placeholder=t("card.email_placeholder", locale),
        required=True,
        regex=ac.EMAIL_REGEX,
        error=t("card.email_error", locale),
        style="email",
        max_length=254,
    )
