"""``retry file``: the preview (ready, refused with reasons, Confirm / Cancel), progress, result."""

from __future__ import annotations

from typing import Any

from bot.cards import _ac as ac
from bot.cards._md import code, msg, when
from bot.cards._render import card_renderer, markdown_renderer
from commands.bulk_views import BulkPreviewView, BulkProgressView, BulkResultView, BulkStartedView
from i18n import t
from onboarding.bulk import Checked

BulkView = BulkPreviewView | BulkStartedView | BulkProgressView | BulkResultView


def _reason(row: Checked, locale: str) -> str:
    reason = row.reason or {}
    params = reason.get("params")
    return msg(str(reason.get("key")), locale, **(params if isinstance(params, dict) else {}))


def _reason_runs(row: Checked, locale: str) -> dict[str, Any]:
    reason = row.reason or {}
    params = reason.get("params")
    return ac.msg(str(reason.get("key")), locale, **(params if isinstance(params, dict) else {}))


def _preview(view: BulkPreviewView, locale: str) -> str:
    lines = [
        msg("bulk.preview.title", locale, file=view.file_name, n=view.total),
        msg("bulk.preview.ready", locale, n=view.ready),
    ]
    if view.refused_total:
        lines.append(msg("bulk.preview.refused", locale, n=view.refused_total))
        for row in view.refused:
            lines.append(
                f"- {msg('bulk.row', locale, row=row.row_no)} {code(row.ref)}: "
                + _reason(row, locale)
            )
        more = view.refused_total - len(view.refused)
        if more > 0:
            lines.append(msg("bulk.preview.more", locale, n=more))
        lines.append(msg("bulk.preview.file", locale))
    if view.code is not None and view.expires_at is not None:
        lines.append(
            msg(
                "bulk.preview.how",
                locale,
                command=f"confirm {view.code}",
                cancel=f"cancel {view.code}",
                until=when(view.expires_at, locale),
            )
        )
    else:
        lines.append(msg("bulk.preview.nothing", locale))
    return "\n".join(lines)


@markdown_renderer
def markdown(view: BulkView, locale: str) -> str:
    """The preview, the start, progress or the result of a ``retry file``."""
    if isinstance(view, BulkPreviewView):
        return _preview(view, locale)
    if isinstance(view, BulkStartedView):
        return msg("bulk.started", locale, n=view.ready, at_once=view.concurrency)
    if isinstance(view, BulkProgressView):
        return msg(
            "bulk.progress",
            locale,
            n=view.finished,
            total=view.ready,
            percent=round(100 * view.finished / max(1, view.ready)),
            done=view.done,
            failed=view.failed,
            refused=view.refused,
        )
    return "\n".join(
        [
            msg("bulk.result", locale, n=view.done),
            msg(
                "bulk.result.counts",
                locale,
                failed=view.failed,
                refused=view.refused,
                skipped=view.skipped,
            ),
            msg("bulk.result.file", locale, file=view.file_name),
        ]
    )


def _preview_card(view: BulkPreviewView, locale: str) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        ac.rich(
            ac.run(
                "📄 " + t("bulk.preview.title", locale, file=view.file_name, n=view.total),
                weight="bolder",
            )
        ),
        ac.msg("bulk.preview.ready", locale, n=view.ready),
    ]
    if view.refused_total:
        body.append(ac.msg("bulk.preview.refused", locale, n=view.refused_total))
        for row in view.refused:
            body.append(
                ac.container(
                    [
                        ac.rich(
                            ac.run(t("bulk.row", locale, row=row.row_no) + " ", weight="bolder"),
                            ac.run(row.ref, fontType="monospace"),
                        ),
                        _reason_runs(row, locale),
                    ],
                    separator=True,
                )
            )
        more = view.refused_total - len(view.refused)
        if more > 0:
            body.append(ac.text(t("bulk.preview.more", locale, n=more), isSubtle=True))
        body.append(ac.msg("bulk.preview.file", locale, block={"isSubtle": True}))
    actions: list[dict[str, Any]] = []
    if view.code is not None and view.expires_at is not None:
        body.append(ac.msg("card.confirm.until", locale, until=when(view.expires_at, locale)))
        # The code is the single-use token: refused once used, expired, or someone else's.
        actions = [
            ac.submit(t("card.confirm", locale), "confirm", {"code": view.code}, style="positive"),
            ac.submit(t("card.cancel", locale), "cancel", {"code": view.code}),
        ]
    else:
        body.append(ac.msg("bulk.preview.nothing", locale))
    return ac.card(body, actions)


@card_renderer
def card(view: BulkView, locale: str) -> dict[str, Any] | None:
    """The preview as a card with Confirm / Cancel; the rest is markdown only."""
    if isinstance(view, BulkPreviewView):
        return _preview_card(view, locale)
    return None
