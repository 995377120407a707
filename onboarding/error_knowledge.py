"""What the bot knows about Webex for BroadWorks codes, and the tips it gives from that.

The knowledge is data, in one file: ``error_codes.toml`` next to this module (transcribed from
error-codes.md, each entry with its sources). This module reads and checks it once and answers
``lookup(code)`` with a ``CodeAdvice`` record; the English and Czech words of each entry are in
the catalog under ``CodeAdvice.meaning_key`` and ``CodeAdvice.tip_key`` (``i18n/catalog/errors.py``
loads them from the same file).

``advice_for(subscriber)`` turns a subscriber into the tips the bot shows (``status <user>``,
``error <user>``):

- ``error`` with codes: one tip per distinct code, in the subscriber's order; a code the table
  does not know gets "no advice known for code N", never a guess. "Fix the customer's template
  first" comes first only when a code's fix is in the template (``concerns_template``).
- ``error`` without any code: Cisco's documented order for a user who keeps failing (template
  first, then retry or delete; error-codes.md §4.1).
- a paused or in-flight status: what the user or Webex is waiting for (error-codes.md §4.2).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from onboarding.model import ProvisioningStatus, Subscriber

DATA_FILE = "error_codes.toml"
LOCALES = ("en", "cs")


class CodeKind(StrEnum):
    """Where a code comes from."""

    PROVISIONING = "provisioning"  # a subscriber's errors[] (asynchronous provisioning)
    REQUEST = "request"  # only on the API call itself, never in errors[]
    OTHER = "other"  # another BroadWorks API (directory sync, billing)
    PRECHECK_INFO = "precheck_info"  # POST /broadworks/subscribers/validate infoCode
    HTTP = "http"  # an HTTP status of the BroadWorks API


class Retry(StrEnum):
    """Whether retrying can help."""

    RETRY_NOW = "retry_now"
    RETRY_LATER = "retry_later"
    CHANGE_FIRST = "change_first"
    NOT_NEEDED = "not_needed"


class NextAction(StrEnum):
    """What to do next."""

    RETRY_SAME_EMAIL = "retry_same_email"
    RETRY_OTHER_EMAIL = "retry_other_email"
    RELEASE_DOMAIN = "release_domain"
    FIX_TEMPLATE = "fix_template"
    REMOVE_OTHER_MAPPING = "remove_other_mapping"
    FIX_REQUEST = "fix_request"
    FIX_CREDENTIALS = "fix_credentials"
    WAIT = "wait"
    REPORT = "report"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class CodeAdvice:
    """Everything known about one code (see ``error_codes.toml`` for the fields)."""

    code: int
    kind: CodeKind
    origin: str  # "cisco" or "sandbox"
    sources: tuple[str, ...]
    basis: str  # "documented" or "inferred"
    concerns_template: bool
    retry: Retry
    next_action: NextAction
    meaning: Mapping[str, str]  # locale -> text (also in the catalog under meaning_key)
    tip: Mapping[str, str]  # locale -> text (also in the catalog under tip_key)

    @property
    def meaning_key(self) -> str:
        """The catalog key of what the code means."""
        return f"errcode.{self.code}.meaning"

    @property
    def tip_key(self) -> str:
        """The catalog key of the tip for the code."""
        return f"errcode.{self.code}.tip"


@dataclass(frozen=True, slots=True)
class Tip:
    """One piece of advice as the bot words it: a catalog key and its parameters."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)


class KnowledgeError(ValueError):
    """``error_codes.toml`` is not what this module expects (a bug in the data, found at load)."""


@dataclass(frozen=True, slots=True)
class Knowledge:
    """The whole table: codes and the sources they cite."""

    codes: Mapping[int, CodeAdvice]
    sources: Mapping[str, str]


def _text(entry: Mapping[str, Any], name: str, code: int) -> dict[str, str]:
    texts = entry.get(name)
    if not isinstance(texts, dict) or any(not str(texts.get(lo) or "").strip() for lo in LOCALES):
        raise KnowledgeError(f"code {code}: {name} needs a text in each of {', '.join(LOCALES)}")
    return {lo: str(texts[lo]) for lo in LOCALES}


def parse(data: Mapping[str, Any]) -> Knowledge:
    """Check and read the parsed TOML (``KnowledgeError`` names what is wrong)."""
    sources = {str(k): str(v) for k, v in (data.get("sources") or {}).items()}
    codes: dict[int, CodeAdvice] = {}
    for entry in data.get("code") or []:
        code = entry.get("code")
        if not isinstance(code, int) or isinstance(code, bool):
            raise KnowledgeError(f"an entry without a numeric code: {entry!r}")
        if code in codes:
            raise KnowledgeError(f"code {code} is listed twice")
        cited = tuple(str(s) for s in entry.get("sources") or ())
        unknown = [s for s in cited if s not in sources]
        if not cited or unknown:
            raise KnowledgeError(f"code {code}: sources {unknown or 'missing'} not in [sources]")
        try:
            advice = CodeAdvice(
                code=code,
                kind=CodeKind(entry["kind"]),
                origin=_one_of(entry, "origin", ("cisco", "sandbox"), code),
                sources=cited,
                basis=_one_of(entry, "basis", ("documented", "inferred"), code),
                concerns_template=bool(entry["concerns_template"]),
                retry=Retry(entry["retry"]),
                next_action=NextAction(entry["next_action"]),
                meaning=_text(entry, "meaning", code),
                tip=_text(entry, "tip", code),
            )
        except (KeyError, ValueError) as exc:
            raise KnowledgeError(f"code {code}: {exc}") from None
        codes[code] = advice
    return Knowledge(codes, sources)


def _one_of(entry: Mapping[str, Any], name: str, allowed: tuple[str, ...], code: int) -> str:
    value = str(entry.get(name))
    if value not in allowed:
        raise KnowledgeError(f"code {code}: {name} must be one of {', '.join(allowed)}")
    return value


@cache
def knowledge() -> Knowledge:
    """The table in ``error_codes.toml``, read and checked once."""
    text = resources.files("onboarding").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse(tomllib.loads(text))


def lookup(code: int) -> CodeAdvice | None:
    """What is known about ``code``; None when the table does not know it."""
    return knowledge().codes.get(code)


#: What a subscriber that is not in error is waiting for (error-codes.md §4.2).
_BY_STATUS: Mapping[ProvisioningStatus, tuple[str, ...]] = {
    ProvisioningStatus.PENDING_EMAIL_INPUT: ("advice.waiting_for_email",),
    ProvisioningStatus.PENDING_EMAIL_VALIDATION: ("advice.waiting_for_validation",),
    ProvisioningStatus.PENDING_USER_MIGRATION: ("advice.consent_move",),
    ProvisioningStatus.PROVISIONING: ("advice.in_progress",),
    ProvisioningStatus.UPDATING: ("advice.in_progress",),
    ProvisioningStatus.PROVISIONED: (),
}


def advice_for(sub: Subscriber) -> tuple[Tip, ...]:
    """The tips for ``sub`` (see the module docstring)."""
    customer = {"customer": sub.customer}
    if sub.status is not ProvisioningStatus.ERROR:
        return tuple(Tip(key, customer) for key in _BY_STATUS[sub.status])
    codes = list(dict.fromkeys(e.code for e in sub.errors))
    if not codes:
        return (Tip("advice.check_template", customer), Tip("advice.retry_or_delete", customer))
    tips: list[Tip] = []
    template = False
    for code in codes:
        known = lookup(code)
        if known is None:
            tips.append(Tip("advice.code_unknown", {"code": code}))
            continue
        template = template or known.concerns_template
        tips.append(Tip(known.tip_key, customer))
    if template:
        tips.insert(0, Tip("advice.template_first", customer))
    return tuple(tips)
