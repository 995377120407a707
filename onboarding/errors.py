"""Domain errors: each carries a catalog key and parameters, so chat can word it in any locale."""

from __future__ import annotations

from i18n import DEFAULT_LOCALE, t


class OnboardingError(Exception):
    """A failure fit to show in a chat: bad input, not found, refused, or a provider fault."""

    key = "error.generic"

    def __init__(self, key: str | None = None, /, **params: object) -> None:
        self.key = key or type(self).key
        self.params = params
        super().__init__(self.message())

    def message(self, locale: str = DEFAULT_LOCALE) -> str:
        """The error worded for a person, in ``locale``."""
        return t(self.key, locale, **self.params)


class InvalidInput(OnboardingError):
    """The request itself is wrong: an unknown package, a malformed email, a bad filter."""

    key = "error.invalid_input"


class NotFound(OnboardingError):
    """No subscriber, user or customer matches."""

    key = "error.not_found"


class Refused(OnboardingError):
    """The request is well-formed but makes no sense in the subscriber's current state."""

    key = "error.refused"


class ProviderUnavailable(OnboardingError):
    """The onboarding provider could not be reached or answered with a fault; try again later."""

    key = "error.provider_unavailable"


class ProviderPermission(OnboardingError):
    """The provider refused our credentials; the message names the missing scope."""

    key = "error.provider_permission"


class ControlHubUnavailable(ProviderUnavailable):
    """Control Hub users could not be synced (subscribers are not affected); the key says what
    failed and what to fix."""

    key = "webex.controlhub.unavailable"
