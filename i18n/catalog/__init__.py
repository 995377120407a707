"""Merges the per-area message tables into one catalog; a duplicated key fails at import.

Counted messages (one template per plural category) are kept apart in ``counts.py``.
"""

from __future__ import annotations

from i18n.catalog import (
    access,
    bulk,
    cards,
    commands,
    counts,
    csv_headers,
    digests,
    errors,
    history,
    language,
    ops,
    sandbox,
    states,
    trend,
    watch,
    web,
    webex_provider,
    why,
)

_TABLES = (
    errors.MESSAGES,
    states.MESSAGES,
    commands.MESSAGES,
    cards.MESSAGES,
    digests.MESSAGES,
    web.MESSAGES,
    sandbox.MESSAGES,
    webex_provider.MESSAGES,
    access.MESSAGES,
    ops.MESSAGES,
    language.MESSAGES,
    csv_headers.MESSAGES,
    history.MESSAGES,
    why.MESSAGES,
    watch.MESSAGES,
    trend.MESSAGES,
    bulk.MESSAGES,
)


def _merge() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for table in _TABLES:
        for key, entry in table.items():
            if key in merged:
                raise ValueError(f"message key {key!r} is defined twice")
            merged[key] = entry
    return merged


CATALOG = _merge()
COUNTED = counts.COUNTED
_twice = sorted(CATALOG.keys() & COUNTED.keys())
if _twice:
    raise ValueError(f"message keys {_twice} are both plain and counted")
