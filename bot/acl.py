"""Who may do what: roles from app.yaml's ``access`` section, the strongest match winning.

The order of the checks is the order of the refusals a person can get: another organization
first (nothing about us is revealed to outsiders), then a space the bot is not enabled in, then a
person who matches no rule. Commands then compare the role with the one they declare
(``commands.registry.allowed``, the same dry run ``help`` uses).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import AccessSettings, Settings
from commands.registry import Role

_ROLE_NAMES = {"admin": Role.ADMIN, "support": Role.SUPPORT, "viewer": Role.VIEWER}

OTHER_ORG = "access.other_org"
SPACE_NOT_ALLOWED = "access.space_not_allowed"
UNKNOWN_PERSON = "access.unknown_person"


@dataclass(frozen=True, slots=True)
class AccessDecision:
    """A person's role here, or why they get none (a catalog key)."""

    role: Role | None
    refusal: str | None = None

    @property
    def allowed(self) -> bool:
        """True when the person has a role here."""
        return self.role is not None


def normalise(email: str) -> str:
    """An email as access rules and the audit trail compare it: trimmed, lower case."""
    return email.strip().lower()


def _matches(email: str, pattern: str) -> bool:
    if pattern.startswith("*@"):
        # "*@partner.example" matches that domain only, never "evilpartner.example" or a subdomain
        return email.endswith(pattern[1:]) and email.count("@") == 1
    return email == pattern


class AccessPolicy:
    """Maps a person (email, org) in a space to a role."""

    def __init__(self, access: AccessSettings | None) -> None:
        self.access = access

    @classmethod
    def from_settings(cls, settings: Settings) -> AccessPolicy:
        """The policy of the configured ``access`` section."""
        return cls(settings.access)

    @property
    def checks_orgs(self) -> bool:
        """True when an org allow-list is configured."""
        return self.access is not None and bool(self.access.orgs)

    def space_allowed(self, space_id: str | None) -> bool:
        """Whether the bot serves ``space_id`` (a space given a role counts as allowed)."""
        acc = self.access
        if acc is None or not acc.allowed_spaces or space_id is None:
            return True
        return space_id in acc.allowed_spaces or space_id in acc.spaces

    def space_role(self, space_id: str | None) -> Role | None:
        """The role everyone who can read ``space_id`` has at least; None when not known.

        Only a space given a role in ``access.spaces`` (or the sandbox's demo mode without an
        ``access`` section, where everyone is an admin) says who its readers are: the bot does not
        read a space's membership, so for any other space their roles are not known.
        """
        if self.access is None:
            return Role.ADMIN
        if space_id is None or space_id not in self.access.spaces:
            return None
        return _ROLE_NAMES[self.access.spaces[space_id]]

    def decide(
        self,
        email: str,
        *,
        space_id: str | None = None,
        org_id: str | None = None,
        require_org: bool = False,
    ) -> AccessDecision:
        """The role of ``email`` in ``space_id``; None with a reason when refused.

        ``org_id`` None means "not known": with ``require_org`` (events from Webex) an unknown org
        is refused when an allow-list exists, so a failed lookup never lets a stranger in; without
        it (the CLI, whose operator has the configuration in hand) the org is not checked.
        """
        if self.access is None:
            # No access section: the sandbox's demo mode, where everyone is an admin.
            return AccessDecision(Role.ADMIN)
        acc = self.access
        if acc.orgs and (org_id is not None or require_org) and org_id not in acc.orgs:
            return AccessDecision(None, OTHER_ORG)
        if not self.space_allowed(space_id):
            return AccessDecision(None, SPACE_NOT_ALLOWED)
        email = normalise(email)
        if "@" not in email:
            return AccessDecision(None, UNKNOWN_PERSON)
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
            return AccessDecision(None, UNKNOWN_PERSON)
        return AccessDecision(max(found))
