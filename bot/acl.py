"""Who may do what: roles from app.yaml's ``access`` section, the strongest match winning."""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import AccessSettings, Settings
from commands.registry import Role

_ROLE_NAMES = {"admin": Role.ADMIN, "support": Role.SUPPORT, "viewer": Role.VIEWER}


@dataclass(frozen=True, slots=True)
class AccessDecision:
    """A person's role here, or why they get none (a catalog key)."""

    role: Role | None
    refusal: str | None = None


def _matches(email: str, pattern: str) -> bool:
    if pattern.startswith("*@"):
        return email.endswith(pattern[1:])
    return email == pattern


class AccessPolicy:
    """Maps a person (email, org) in a space to a role."""

    def __init__(self, access: AccessSettings | None) -> None:
        self.access = access

    @classmethod
    def from_settings(cls, settings: Settings) -> AccessPolicy:
        """The policy of the configured ``access`` section."""
        return cls(settings.access)

    def decide(
        self, email: str, *, space_id: str | None = None, org_id: str | None = None
    ) -> AccessDecision:
        """The role of ``email`` in ``space_id``; None with a reason when refused."""
        if self.access is None:
            # No access section: the sandbox's demo mode, where everyone is an admin.
            return AccessDecision(Role.ADMIN)
        acc = self.access
        if acc.orgs and org_id is not None and org_id not in acc.orgs:
            return AccessDecision(None, "access.other_org")
        if acc.allowed_spaces and space_id is not None and space_id not in acc.allowed_spaces:
            return AccessDecision(None, "access.space_not_allowed")
        email = email.strip().lower()
        found: list[Role] = []
        for role, patterns in (
            (Role.ADMIN, acc.admins),
            (Role.SUPPORT, acc.support),
            (Role.VIEWER, acc.viewers),
        ):
            if any(_matches(email, p) for p in patterns):
                found.append(role)
        if space_id is not None and space_id in acc.spaces:
            found.append(_ROLE_NAMES[acc.spaces[space_id]])
        if not found:
            return AccessDecision(None, "access.unknown_person")
        return AccessDecision(max(found))
