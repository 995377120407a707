"""Admin credentials for the Webex provider: a static token, or an OAuth refresh token.

``StaticToken`` is ``WEBEX_ADMIN_TOKEN`` as given (a personal admin token lasts 12 hours; good
for trying things, not for running). ``OAuthTokenSource`` is an integration or service app: it
trades the refresh token for an access token at ``POST /access_token`` before the current one
expires, and keeps both in ``sync_state`` (``webex.oauth``) so a restart does not refresh again.
If Webex rotates the refresh token, the new one is kept. When the operator configures a different
refresh token, the stored pair is dropped (it belonged to the old grant).
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime, timedelta
from typing import Any

import requests

from onboarding.clock import Clock
from onboarding.errors import ProviderPermission, ProviderUnavailable
from storage.uow import Database

OAUTH_STATE = "webex.oauth"


class StaticToken:
    """A fixed admin token (``WEBEX_ADMIN_TOKEN``)."""

    def __init__(self, token: str) -> None:
        if not token.strip():
            raise ValueError("the admin token is empty")
        self._token = token.strip()

    def token(self) -> str:
        """The token."""
        return self._token

    def invalidate(self) -> bool:
        """A static token cannot be renewed."""
        return False

    def __repr__(self) -> str:
        return "StaticToken(***)"


def _fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


class OAuthTokenSource:
    """An integration's or service app's access token, refreshed before it expires and stored."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        token_url: str,
        margin: timedelta = timedelta(minutes=10),
        timeout: float = 30.0,
        session: requests.Session | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.client_id = client_id
        self._client_secret = client_secret
        self._configured_refresh = refresh_token
        self.token_url = token_url
        self.margin = margin
        self.timeout = timeout
        self.session = session or requests.Session()
        self._lock = threading.Lock()
        self._cache: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"OAuthTokenSource(client_id={self.client_id!r}, ***)"

    def _stored(self) -> dict[str, Any] | None:
        if self._cache is None:
            with self.db.uow() as uow:
                value = uow.sync_state.get(OAUTH_STATE)
            origin = _fingerprint(self._configured_refresh)
            if value and value.get("origin") == origin and value.get("client_id") == self.client_id:
                self._cache = value
        return self._cache

    def token(self) -> str:
        """A valid access token, refreshed first when it expires within ``margin``."""
        with self._lock:
            stored = self._stored()
            now = self.clock.now()
            if stored and stored.get("access_token"):
                expires = datetime.fromisoformat(stored["expires_at"])
                if now + self.margin < expires:
                    return str(stored["access_token"])
            return self._refresh(stored, now)

    def refresh_token_expires_at(self) -> datetime | None:
        """When the refresh token in use runs out, as Webex said at the last refresh (None: not
        known yet, before the first refresh)."""
        with self._lock:
            stored = self._stored()
        value = (stored or {}).get("refresh_token_expires_at")
        return datetime.fromisoformat(value) if isinstance(value, str) else None

    def invalidate(self) -> bool:
        """Drop the access token (a 401 said it is no good); the next call refreshes."""
        with self._lock:
            stored = self._stored()
            if stored is not None:
                stored = {**stored, "access_token": None}
                self._save(stored)
        return True

    def _refresh(self, stored: dict[str, Any] | None, now: datetime) -> str:
        refresh = (stored or {}).get("refresh_token") or self._configured_refresh
        form = {
            "grant_type": "refresh_token",
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "refresh_token": refresh,
        }
        try:
            response = self.session.post(
                self.token_url,
                data=form,
                headers={"Accept": "application/json"},
                timeout=self.timeout,
            )
        except (requests.Timeout, requests.ConnectionError):
            raise ProviderUnavailable("webex.error.oauth_unreachable", detail="timeout") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise ProviderUnavailable(
                "webex.error.oauth_unreachable", detail=f"HTTP {response.status_code}"
            )
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or not body.get("access_token"):
            message = str(body.get("message") or body.get("error_description") or "")
            raise ProviderPermission(
                "webex.error.oauth_refused",
                scope="refresh_token",
                status=response.status_code,
                detail=message or f"HTTP {response.status_code}",
            )
        expires_in = int(body.get("expires_in") or 0)
        value = {
            "client_id": self.client_id,
            "origin": _fingerprint(self._configured_refresh),
            "access_token": body["access_token"],
            "expires_at": (now + timedelta(seconds=expires_in)).isoformat(),
            "refresh_token": body.get("refresh_token") or refresh,
            "refreshed_at": now.isoformat(),
        }
        if body.get("refresh_token_expires_in"):
            seconds = int(body["refresh_token_expires_in"])
            value["refresh_token_expires_at"] = (now + timedelta(seconds=seconds)).isoformat()
        self._save(value)
        return str(body["access_token"])

    def _save(self, value: dict[str, Any]) -> None:
        with self.db.uow() as uow:
            uow.sync_state.put(OAUTH_STATE, value, now=self.clock.now())
            uow.commit()
        self._cache = value
