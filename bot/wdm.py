"""Where the websocket is: the service catalog (U2C) and this bot's device in WDM.

Neither API is in the public REST reference (webex-facts.md §9): the catalog at
``GET {u2c}/catalog?format=hostmap`` names the device service in ``serviceLinks.wdm``; WDM lists
the token's devices (``GET {wdm}/devices``), creates one (``POST {wdm}/devices``) whose answer
holds its ``url`` and its ``webSocketUrl``, and deletes one (``DELETE {device.url}``).

Our device is recognised by its ``name``. Registering reuses it, and deletes extra devices of
the same name (left by crashed starts); devices of any other name belong to someone else sharing
the token and are never touched.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

log = logging.getLogger(__name__)

DEFAULT_U2C_URL = "https://u2c.wbx2.com/u2c/api/v1"
DEVICE_NAME = "onboard-bot"
REQUEST_TIMEOUT = 15.0
# Asked by the JS SDK on every connect: text frames, and the buffer-state event that says "ready".
SOCKET_QUERY = "outboundWireFormat=text&bufferStates=true&aliasHttpStatus=true"


class WdmError(Exception):
    """A catalog or device call that did not succeed; ``status`` is None without an answer."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def token_refused(self) -> bool:
        """401: the token is revoked or expired; 403: it may not register devices."""
        return self.status in (401, 403)


@dataclass(frozen=True, slots=True)
class Device:
    """A registered WDM device: where to delete it and where its websocket is."""

    url: str
    web_socket_url: str
    name: str

    @classmethod
    def from_api(cls, body: Mapping[str, Any]) -> Device:
        """From WDM's JSON; raises WdmError when the fields we need are missing."""
        url, socket_url = body.get("url"), body.get("webSocketUrl")
        if not isinstance(url, str) or not isinstance(socket_url, str):
            raise WdmError("the device has no url or webSocketUrl")
        return cls(url=url, web_socket_url=socket_url, name=str(body.get("name") or ""))

    @property
    def connect_url(self) -> str:
        """The websocket URL with the options the JS SDK asks for."""
        joiner = "&" if "?" in self.web_socket_url else "?"
        return f"{self.web_socket_url}{joiner}{SOCKET_QUERY}"


def device_body(name: str) -> dict[str, str]:
    """What we register as: a desktop-like client named ``name`` (the name is how we find it)."""
    return {
        "deviceName": name,
        "deviceType": "DESKTOP",
        "localizedModel": "python",
        "model": "python",
        "name": name,
        "systemName": "onboard-bot",
        "systemVersion": "1",
    }


class DeviceRegistry:
    """The catalog and WDM calls of one bot token."""

    def __init__(
        self,
        token: str,
        *,
        u2c_url: str = DEFAULT_U2C_URL,
        name: str = DEVICE_NAME,
        session: requests.Session | None = None,
        timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self.u2c_url = u2c_url.rstrip("/")
        self.name = name
        self.timeout = timeout
        self._token = token
        self._session = session or requests.Session()
        self._wdm_url: str | None = None
        self._links: dict[str, Any] = {}

    def _call(self, method: str, url: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        try:
            response = self._session.request(
                method, url, headers=headers, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise WdmError(f"{method} {_path(url)}: {type(exc).__name__}") from exc
        if response.status_code >= 400:
            raise WdmError(
                f"{method} {_path(url)}: {response.status_code}", status=response.status_code
            )
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise WdmError(f"{method} {_path(url)}: the answer is not JSON") from None

    def wdm_url(self) -> str:
        """The device service's base URL, from the catalog (read once, then kept)."""
        if self._wdm_url is None:
            body = self._call("GET", f"{self.u2c_url}/catalog", params={"format": "hostmap"})
            links = body.get("serviceLinks") if isinstance(body, dict) else None
            wdm = links.get("wdm") if isinstance(links, dict) else None
            if not isinstance(wdm, str) or not wdm:
                raise WdmError("the service catalog names no wdm service")
            self._links = dict(links) if isinstance(links, dict) else {}
            self._wdm_url = wdm.rstrip("/")
        return self._wdm_url

    def conversation_url(self) -> str | None:
        """The catalog's conversation service (where the usual cluster's activities live)."""
        self.wdm_url()
        found = self._links.get("conversation")
        return found if isinstance(found, str) and found else None

    def get(self, url: str) -> Any:
        """GET a URL of a Webex internal service with the bot token (the JSON answer)."""
        return self._call("GET", url)

    def ours(self) -> list[dict[str, Any]]:
        """This bot's devices (by name), as WDM lists them."""
        body = self._call("GET", f"{self.wdm_url()}/devices")
        devices = body.get("devices") if isinstance(body, dict) else None
        return [d for d in devices or [] if isinstance(d, dict) and d.get("name") == self.name]

    def register(self) -> Device:
        """Reuse our device, or create one; extra devices of ours are deleted."""
        mine = self.ours()
        keep: Device | None = None
        for found in mine:
            try:
                device = Device.from_api(found)
            except WdmError:
                continue
            if keep is None:
                keep = device
            else:
                self._delete_quietly(device)
        if keep is not None:
            log.info("reusing websocket device %s", _path(keep.url))
            return keep
        return self.create()

    def create(self) -> Device:
        """Register a new device of ours."""
        body = self._call("POST", f"{self.wdm_url()}/devices", json=device_body(self.name))
        if not isinstance(body, dict):
            raise WdmError("the new device has no body")
        device = Device.from_api(body)
        log.info("registered websocket device %s", _path(device.url))
        return device

    def replace(self, stale: Device) -> Device:
        """A new device for one whose websocket is gone (404/410 on the handshake)."""
        self._delete_quietly(stale)
        return self.create()

    def delete(self, device: Device) -> None:
        """Remove a device of ours."""
        self._call("DELETE", device.url)

    def _delete_quietly(self, device: Device) -> None:
        try:
            self.delete(device)
            log.info("deleted stale websocket device %s", _path(device.url))
        except WdmError as exc:
            if exc.token_refused:
                raise
            # Already gone (404) or WDM is busy: a leftover device expires on its own.
            log.warning("could not delete stale device %s: %s", _path(device.url), exc)


def _path(url: str) -> str:
    """A URL without its query (logs never carry more than where a call went)."""
    return url.split("?", 1)[0]
