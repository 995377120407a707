"""Email validation with a reason a person can act on: which part of the address is wrong."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from onboarding.errors import InvalidInput


def normalise_email(raw: str) -> str:
    """The normalised address, or ``InvalidInput`` naming the part that is wrong."""
    text = raw.strip()
    if not text:
        raise InvalidInput("email.empty")
    if "@" not in text:
        raise InvalidInput("email.missing_at", email=text)
    if text.count("@") > 1:
        raise InvalidInput("email.many_at", email=text)
    local, _, domain = text.rpartition("@")
    if not local:
        raise InvalidInput("email.no_local", email=text)
    if not domain:
        raise InvalidInput("email.no_domain", email=text)
    try:
        # Deliverability needs DNS, which a chat reply must not wait for; syntax is what we check.
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        detail = str(exc)
        part = _part_of(local, domain)
        raise InvalidInput(f"email.bad_{part}", email=text, detail=detail) from exc
    return result.normalized


def _part_of(local: str, domain: str) -> str:
    # The library's messages do not always say which side is wrong ("two periods in a row"),
    # so each side is checked alone against a known-good other half.
    if not _valid(f"user@{domain}"):
        return "domain"
    if not _valid(f"{local}@example.com"):
        return "local"
    return "address"


def _valid(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True
