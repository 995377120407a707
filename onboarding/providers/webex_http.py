"""A small Webex REST client over ``requests``: bearer auth, bounded retries, Link pagination.

Faults become the domain errors a person can read (``onboarding.errors``):

- 429 and 423 are retried after ``Retry-After`` (webex-facts.md §4) while the total wait of the
  call stays within ``RetryPolicy.max_wait``; beyond it, ``ProviderUnavailable``.
- 5xx, timeouts and connection errors are retried with exponential backoff, bounded by
  ``max_attempts`` and ``max_wait``. A request that is not idempotent (POST a subscriber) is not
  repeated when it may have been processed (timeout, 500, 504): the caller gets
  ``AmbiguousOutcome`` and decides (the provider looks the subscriber up).
- 401 and 403 become ``ProviderPermission`` naming the scope the operation needs. A 401 first
  asks the token source for a fresh token once (an OAuth token may have been revoked early).
- 404 becomes ``RemoteNotFound`` and other 4xx ``ApiError``; both are for the provider to word.

Tokens are sent only in the Authorization header, never logged, and never sent to a host other
than the API's own (a ``Link`` to elsewhere is refused).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import requests

from onboarding.errors import ProviderPermission, ProviderUnavailable

log = logging.getLogger(__name__)

SCOPE_BW_READ = "spark-admin:broadworks_subscribers_read"
SCOPE_BW_WRITE = "spark-admin:broadworks_subscribers_write"
SCOPE_PEOPLE_READ = "spark-admin:people_read"
SCOPE_PEOPLE_WRITE = "spark-admin:people_write"
SCOPE_IDENTITY_READ = "identity:people_read"

#: Statuses after which the request was certainly not processed, so any method may repeat it.
_SAFE_RETRY = frozenset({502, 503})
#: Statuses after which it may have been processed: only idempotent requests repeat.
_AMBIGUOUS = frozenset({500, 504})


def as_int(raw: object) -> int | None:
    """A whole number sent as a number or a digit string (Webex's specs allow both), else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
    return None


class TokenSource(Protocol):
    """Where the admin access token comes from (a static token or a refreshed OAuth one)."""

    def token(self) -> str:
        """A currently valid access token."""
        ...

    def invalidate(self) -> bool:
        """Forget the current token after a 401; True when a fresh one can be obtained."""
        ...


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long and how often a call may be repeated before it is reported."""

    max_wait: float = 30.0  # seconds of Retry-After and backoff waits per call, in total
    max_attempts: int = 4  # for 5xx and timeouts
    backoff: float = 1.0  # the first backoff; doubled each time
    default_retry_after: float = 5.0  # when a 429/423 has no usable Retry-After
    timeout: float = 30.0  # per request, seconds


class ApiError(Exception):
    """A 4xx answer other than 401/403/404/429/423: Webex's message and ``errors[]``."""

    def __init__(
        self, status: int, message: str, errors: list[dict[str, Any]], tracking_id: str | None
    ) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message
        self.errors = errors
        self.tracking_id = tracking_id

    @property
    def description(self) -> str:
        """Cisco's descriptions, verbatim (the message when there are none)."""
        texts = [str(e.get("description")) for e in self.errors if e.get("description")]
        return "; ".join(texts) or self.message

    @property
    def code(self) -> int | None:
        """The first ``errorCode``, if any."""
        for item in self.errors:
            code = as_int(item.get("errorCode", item.get("code")))
            if code is not None:
                return code
        return None


class RemoteNotFound(ApiError):
    """404: the resource does not exist (any more)."""


class AmbiguousOutcome(ProviderUnavailable):
    """A non-idempotent request failed in a way that may have left it processed."""


@dataclass(frozen=True, slots=True)
class ApiResponse:
    """A successful answer: status, parsed JSON body (None when empty) and the next page link."""

    status: int
    body: Any
    next_url: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


def _body(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _retry_after(response: requests.Response, default: float) -> float:
    raw = response.headers.get("Retry-After", "")
    try:
        value = float(raw)
    except ValueError:
        return default
    return max(1.0, value)  # like the SDK: never hammer with a zero wait


class WebexHttp:
    """Calls one Webex API base URL (``https://webexapis.com/v1/``) with a token source."""

    def __init__(
        self,
        api_url: str,
        tokens: TokenSource,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        self.api_url = api_url if api_url.endswith("/") else api_url + "/"
        self.tokens = tokens
        self.policy = policy or RetryPolicy()
        self.sleep = sleep
        self.session = session or requests.Session()
        self._origin = urlsplit(self.api_url)[:2]
        #: Told how long each request took, by endpoint (``broadworks/subscribers/{id}``).
        self.on_call: Callable[[str, float], None] | None = None

    def _timed(self, url: str, started: float) -> None:
        if self.on_call is not None:
            self.on_call(endpoint_of(url, self.api_url), time.perf_counter() - started)

    def url(self, path_or_url: str) -> str:
        """An absolute URL on the API's host (refusing links to anywhere else)."""
        url = urljoin(self.api_url, path_or_url)
        if urlsplit(url)[:2] != self._origin:
            raise ProviderUnavailable(
                "webex.error.foreign_link", detail=urlsplit(url).netloc or url
            )
        return url

    def call(
        self,
        method: str,
        path_or_url: str,
        *,
        scope: str,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        idempotent: bool = True,
        authenticate: bool = True,
    ) -> ApiResponse:
        """One API call with the retry rules of the module docstring."""
        url = self.url(path_or_url)
        policy = self.policy
        waited = 0.0
        attempts = 0
        refreshed = False
        while True:
            attempts += 1
            headers = {"Accept": "application/json"}
            if authenticate:
                headers["Authorization"] = f"Bearer {self.tokens.token()}"
            started = time.perf_counter()
            try:
                response = self.session.request(
                    method,
                    url,
                    params=dict(params) if params else None,
                    json=json,
                    data=dict(data) if data else None,
                    headers=headers,
                    timeout=policy.timeout,
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                self._timed(url, started)
                kind = "timeout" if isinstance(exc, requests.Timeout) else "connection"
                log.warning("webex %s %s: %s (attempt %d)", method, _path(url), kind, attempts)
                if not idempotent:
                    raise AmbiguousOutcome("webex.error.ambiguous", detail=kind) from None
                delay = policy.backoff * 2 ** (attempts - 1)
                if attempts >= policy.max_attempts or waited + delay > policy.max_wait:
                    raise ProviderUnavailable(
                        "webex.error.unreachable", detail=kind, attempts=attempts
                    ) from None
                self.sleep(delay)
                waited += delay
                continue
            self._timed(url, started)
            status = response.status_code
            log.debug("webex %s %s -> %d", method, _path(url), status)
            if status in (429, 423):
                delay = _retry_after(response, policy.default_retry_after)
                if waited + delay > policy.max_wait:
                    raise ProviderUnavailable(
                        "webex.error.rate_limited",
                        detail=f"HTTP {status}",
                        seconds=int(delay),
                        waited=int(waited),
                    )
                log.info("webex %s %s: %d, waiting %.0f s", method, _path(url), status, delay)
                self.sleep(delay)
                waited += delay
                continue
            if status == 401 and authenticate and not refreshed and self.tokens.invalidate():
                refreshed = True
                continue
            if status in (401, 403):
                message = _message(response)
                raise ProviderPermission(
                    "webex.error.permission", scope=scope, status=status, detail=message
                )
            if status >= 500:
                if not idempotent and status in _AMBIGUOUS:
                    raise AmbiguousOutcome("webex.error.ambiguous", detail=f"HTTP {status}")
                delay = policy.backoff * 2 ** (attempts - 1)
                if attempts >= policy.max_attempts or waited + delay > policy.max_wait:
                    raise ProviderUnavailable(
                        "webex.error.unavailable", detail=f"HTTP {status}", attempts=attempts
                    )
                log.warning("webex %s %s: %d (attempt %d)", method, _path(url), status, attempts)
                self.sleep(delay)
                waited += delay
                continue
            if status >= 400:
                body = _body(response)
                errors = body.get("errors") if isinstance(body, dict) else None
                cls = RemoteNotFound if status == 404 else ApiError
                raise cls(
                    status,
                    _message(response),
                    [e for e in errors or [] if isinstance(e, dict)],
                    response.headers.get("TrackingID"),
                )
            next_link = response.links.get("next", {}).get("url")
            return ApiResponse(status, _body(response), next_link, dict(response.headers))

    def pages(
        self, path: str, *, scope: str, params: Mapping[str, str] | None = None
    ) -> Iterator[ApiResponse]:
        """Every page of a list, following ``Link: rel="next"``."""
        response = self.call("GET", path, scope=scope, params=params)
        yield response
        while response.next_url:
            response = self.call("GET", response.next_url, scope=scope)
            yield response


_ID_SEGMENT = re.compile(r"^(?:[0-9a-fA-F-]{16,}|[A-Za-z0-9_=-]{24,}|\d+)$")


def endpoint_of(url: str, api_url: str) -> str:
    """The path of ``url`` under the API with ids replaced (``people/{id}``): a metric label."""
    path = urlsplit(url).path.removeprefix(urlsplit(api_url).path).strip("/")
    parts = ["{id}" if _ID_SEGMENT.match(p) else p for p in path.split("/")]
    return "/".join(parts)


def _message(response: requests.Response) -> str:
    body = _body(response)
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return response.reason or f"HTTP {response.status_code}"


def _path(url: str) -> str:
    return urlsplit(url).path  # never the query: it may carry an email address
