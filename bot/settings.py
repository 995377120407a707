"""The one settings schema: app.yaml + environment -> frozen, validated Settings.

Sources, strongest first (pydantic-settings merges them key by key):

1. ``ONBOARD_*`` variables, nested with ``__``: ``ONBOARD_SYNC__FRESHNESS_SECONDS=600``,
   ``ONBOARD_WEBEX__ORG_ID=...``; lists and mappings as JSON
   (``ONBOARD_ACCESS__ADMINS='["a@x.io"]'``).
2. The established names of architecture.md: ``WEBEX_BOT_TOKEN``, ``WEBEX_WEBHOOK_SECRET``,
   ``WEBEX_API_URL``, ``WEBEX_ADMIN_TOKEN``, ``DATABASE_URL`` (``ENV_OVERRIDES``).
3. app.yaml (``ONBOARD_CONFIG`` or ./app.yaml), where a value may be a ``${ENV_VAR}`` reference so
   that secrets never appear in the file.
4. The defaults below.

``Settings(...)`` built directly (tests, tools) reads none of these: only ``load_settings`` does,
so a test never picks up the developer's environment by accident. Errors name the key and where
its value came from: ``app.yaml: access.admins: 'bob' is neither an email nor a *@domain pattern``.
The attribute docstrings are the reference: docs/configuration.md is generated from them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

DEFAULT_CONFIG = "app.yaml"
DEFAULT_API_URL = "https://webexapis.com/v1/"
DEFAULT_U2C_URL = "https://u2c.wbx2.com/u2c/api/v1"  # Webex's service catalog (websocket intake)
DEFAULT_DATABASE_URL = "sqlite:///var/onboard-bot.db"
ENV_PREFIX = "ONBOARD_"
ENV_NESTING = "__"

_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_PATTERN = re.compile(r"^(\*@[^@\s]+\.[^@\s]+|[^@\s*]+@[^@\s]+\.[^@\s]+)$")


class ConfigError(Exception):
    """The configuration is unusable; the message names the key and what is wrong."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class WebexSettings(_Model):
    """How the bot reaches Webex."""

    bot_token: SecretStr | None = None
    """The bot's access token (developer.webex.com, My Webex Apps). Unset: local mode with the
    built-in Webex stand-in."""
    webhook_secret: SecretStr | None = None
    """The secret Webex signs webhooks with (any long random string)."""
    api_url: str = DEFAULT_API_URL
    """The Webex API base URL, with its ``/v1/``."""
    admin_token: SecretStr | None = None
    """A partner/org admin token for the BroadWorks and People APIs (a personal token lasts
    12 hours; use ``oauth`` for running)."""
    public_url: str | None = None
    """Where Webex reaches this bot (``https://bot.example.com``); webhooks point at
    ``<public_url>/webhooks/webex``."""
    org_id: str | None = None
    """The Control Hub org; unset: the admin token's own."""
    control_hub: bool = True
    """False: BroadWorks subscribers only, no People/SCIM reads."""
    intake: Literal["websocket", "webhook"] | None = None
    """How events arrive: ``websocket`` (outbound only) or ``webhook`` (needs ``public_url`` and a
    secret); unset: webhook when ``public_url`` is set, websocket otherwise."""
    u2c_url: str = DEFAULT_U2C_URL
    """Webex's service catalog (U2C), where the websocket intake finds the device service."""
    reconnect_max_seconds: float = Field(default=60.0, gt=0)
    """The cap of the websocket's jittered reconnect backoff."""
    request_timeout_seconds: int = Field(default=20, ge=1, le=600)
    """How long one Webex call may take before it is retried; a reply whose POST timed out is
    looked for in Webex only after one more of these (it may still land). Whole seconds: the
    SDK takes no fractions."""

    @property
    def intake_mode(self) -> Literal["websocket", "webhook"]:
        """The intake in use: ``intake``, else webhook with a public URL and websocket without."""
        if self.intake is not None:
            return self.intake
        return "webhook" if self.public_url else "websocket"

    @field_validator("u2c_url")
    @classmethod
    def _u2c(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as " + DEFAULT_U2C_URL)
        return value.rstrip("/")

    @field_validator("api_url")
    @classmethod
    def _slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://webexapis.com/v1/")
        return value if value.endswith("/") else value + "/"


class OAuthSettings(_Model):
    """An integration or service app whose access token the bot refreshes itself."""

    client_id: str
    """The integration's client id."""
    client_secret: SecretStr
    """The integration's client secret."""
    refresh_token: SecretStr
    """The refresh token from authorizing the integration once as the partner admin."""


class AccessSettings(_Model):
    """Who may do what: emails or ``*@domain`` patterns per role, roles per space, orgs allowed."""

    admins: tuple[str, ...] = ()
    """Everything: retry, delete, packages, re-send, digests, audit."""
    support: tuple[str, ...] = ()
    """Read, the exact error text, exports."""
    viewers: tuple[str, ...] = ()
    """Read only."""
    spaces: dict[str, Literal["admin", "support", "viewer"]] = Field(default_factory=dict)
    """Space id -> the role of everyone in that space."""
    orgs: tuple[str, ...] = ()
    """Webex org ids whose people may talk to the bot (empty: any)."""
    allowed_spaces: tuple[str, ...] = ()
    """Spaces the bot answers in (empty: any)."""

    @field_validator("admins", "support", "viewers")
    @classmethod
    def _patterns(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not _PATTERN.match(value):
                raise ValueError(f"{value!r} is neither an email nor a *@domain pattern")
        return tuple(v.lower() for v in values)


class DigestSettings(_Model):
    """A digest declared in app.yaml."""

    space: str
    """The Webex room id the digest is posted to."""
    schedule: str = "daily 08:00"
    """``daily HH:MM``, ``weekdays HH:MM``, or a five-field cron line."""
    timezone: str = "UTC"
    """The IANA time zone of the schedule."""
    content: Literal["errors", "pending", "all"] = "all"
    """What the digest reports."""
    quiet: bool = False
    """Post nothing when nothing changed."""

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as Europe/Prague") from None
        return value


def _iana_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone such as Europe/Prague") from None
    return value


class SandboxSettings(_Model):
    """The embedded demo provider."""

    random_seed: int = 0
    """Seed of the demo data and its simulated progress."""
    step_seconds: float = Field(default=20.0, gt=0)
    """How often a demo subscriber moves to its next status."""


class SyncSettings(_Model):
    """How the Webex provider keeps its snapshot fresh."""

    freshness_seconds: int = Field(default=300, ge=0)
    """A snapshot younger than this is answered from without asking Webex."""
    interval_seconds: int = Field(default=300, ge=30)
    """How often changed subscribers are fetched in the background."""
    full_sync_hours: float = Field(default=24.0, gt=0)
    """How often the whole list is read again (incremental syncs miss deletions)."""
    max_wait_seconds: float = Field(default=30.0, ge=0)
    """The most one Webex call may wait on Retry-After and backoff, in total."""


class EngineSettings(_Model):
    """How events and replies are worked off (bot/runtime.py): retries, pool sizes, claims."""

    retry_hours: float = Field(default=24.0, gt=0)
    """Keep retrying Webex this long (fetches and replies), then tell the space and give up."""
    max_backoff_seconds: float = Field(default=60.0, gt=0)
    """The longest wait between two tries after a 5xx or a timeout."""
    workers: int = Field(default=16, ge=1, le=256)
    """Event worker threads; sized for 100-300 ms Webex calls (spaces run in parallel)."""
    senders: int = Field(default=16, ge=1, le=256)
    """Reply sender threads (each space stays in order)."""
    claim_stale_seconds: float = Field(default=5.0, gt=0)
    """A claim whose heartbeat stopped this long ago may be taken by any process."""
    instance: str | None = None
    """This process's name (default host:port); a restart under the same name frees its claims
    at once."""
    worker_process: bool = True
    """``serve`` runs the workers and senders in a child process (not in local mode), so that
    acknowledging a webhook never waits for a command; false: one process does everything."""
    worker_processes: int | None = Field(default=None, ge=1, le=16)
    """How many worker processes ``serve`` runs (default 2; 1 on a single CPU).
    One process runs commands on one core at most; claims keep each space in order across them.
    The scheduler, the OAuth refresh and the Webex probe run in the first only."""
    keep_days: int = Field(default=30, ge=1)
    """Handled webhook events and delivered replies are deleted this many days later, with the
    files (exports, charts) those replies posted: each command adds one of each (a help's reply
    holds its 13 KB card, an export its CSV), so the tables and files_dir would grow without
    end. Waiting ones are never deleted, and a day is far longer than Webex redelivers a webhook
    (a redelivery of a deleted event would be answered again)."""
    worker_nice: int = Field(default=10, ge=0, le=19)
    """How much lower the worker process's CPU priority is than the intake's (``nice``): on a
    busy machine Webex gets its 200 first and the work fills the gaps."""


def default_worker_processes() -> int:
    """Two worker processes, one on a single CPU. Measured on 2 cores (README): two drained a
    burst a little faster than one, three no faster, and acknowledged more slowly."""
    return min(2, os.cpu_count() or 1)


class Settings(BaseSettings):
    """Everything the bot is configured by."""

    model_config = SettingsConfigDict(
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_NESTING,
        env_ignore_empty=True,
    )

    provider: Literal["sandbox", "webex"] = "sandbox"
    """``sandbox`` (embedded demo data) or ``webex`` (the real APIs)."""
    locale: Literal["en", "cs"] = "en"
    """The language of the bot's replies."""
    timezone: str = "Europe/Prague"
    """The IANA time zone times are shown to people in (history, audit, watch alerts, notices of
    replies Webex never took); a digest shows its times in its own schedule's zone."""
    database_url: str = DEFAULT_DATABASE_URL
    """SQLite or PostgreSQL (``postgresql+psycopg://user:pass@host/db``); PostgreSQL for more
    than one process."""
    files_dir: Path = Path("var/files")
    """Where exports are written before they are uploaded."""
    host: str = "127.0.0.1"
    """The address ``serve`` listens on (``0.0.0.0`` in a container)."""
    port: int = Field(default=8080, ge=0, le=65535)
    """The port ``serve`` listens on."""
    webex: WebexSettings = WebexSettings()
    """How the bot reaches Webex."""
    oauth: OAuthSettings | None = None
    """An integration whose access token the bot refreshes itself (instead of
    ``webex.admin_token``)."""
    access: AccessSettings | None = None
    """Who may do what; required with ``provider: webex``. Unset (sandbox only): everyone is an
    admin."""
    digests: tuple[DigestSettings, ...] = ()
    """Scheduled digests per space."""
    confirmation_minutes: int = Field(default=10, ge=1, le=24 * 60)
    """How long a ``confirm <code>`` stays valid."""
    not_verified_days: int = Field(default=7, ge=0)
    """Not verified longer than this counts as stuck."""
    claim_warning_days: int = Field(default=2, ge=0)
    """Warn about Delayed claims ending within this many days."""
    commands_per_minute: int = Field(default=30, ge=1)
    """How many commands one person may run per minute."""
    history_days: int = Field(default=180, ge=1)
    """How long each user's status history is kept, in days."""
    bulk_concurrency: int = Field(default=4, ge=1, le=32)
    """How many retries a confirmed `retry file` runs at once."""
    sandbox: SandboxSettings = SandboxSettings()
    """The embedded demo provider."""
    sync: SyncSettings = SyncSettings()
    """How the Webex provider keeps its snapshot fresh."""
    engine: EngineSettings = EngineSettings()
    """How events and replies are worked off: retries by time, pool sizes, claims."""

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return _iana_zone(value)

    @property
    def local_mode(self) -> bool:
        """True without a bot token: the bot talks to the built-in Webex stand-in."""
        return self.webex.bot_token is None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only ``load_settings`` adds the environment and app.yaml (see the module docstring)."""
        loading = _LOADING.get()
        return (init_settings,) if loading is None else (init_settings, *loading)


# The established variables of architecture.md, and where each lands in Settings. ONBOARD_PROVIDER
# and ONBOARD_LOCALE need no entry: they are the ONBOARD_ prefix's own names for those keys.
ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "WEBEX_BOT_TOKEN": ("webex", "bot_token"),
    "WEBEX_WEBHOOK_SECRET": ("webex", "webhook_secret"),
    "WEBEX_API_URL": ("webex", "api_url"),
    "WEBEX_ADMIN_TOKEN": ("webex", "admin_token"),
    "WEBEX_INTAKE": ("webex", "intake"),
    "WEBEX_U2C_URL": ("webex", "u2c_url"),
    "DATABASE_URL": ("database_url",),
    "ONBOARD_INSTANCE": ("engine", "instance"),
}

_LOADING: ContextVar[tuple[PydanticBaseSettingsSource, ...] | None] = ContextVar(
    "onboard_settings_sources", default=None
)


def env_name(path: tuple[str, ...]) -> str:
    """The variable that sets the key at ``path`` (``ONBOARD_SYNC__FRESHNESS_SECONDS``)."""
    return ENV_PREFIX + ENV_NESTING.join(path).upper()


class _DictSource(PydanticBaseSettingsSource):
    """A source whose values were read up front (so errors surface before validation)."""

    def __init__(self, settings_cls: type[BaseSettings], data: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self.data = data

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Unused: ``__call__`` hands over the whole mapping."""
        return self.data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return self.data


class _PrefixedEnv(EnvSettingsSource):
    """pydantic-settings' own ``ONBOARD_*`` reader, over a given mapping instead of os.environ."""

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._given = env
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._given, self.case_sensitive, self.env_ignore_empty, None)


@dataclass
class Origins:
    """Where each configured key came from: a variable name, the file, or the default."""

    config_path: Path
    by_key: dict[tuple[str, ...], str] = field(default_factory=dict)

    def of(self, path: tuple[str, ...]) -> str:
        """The source of the key at ``path`` (a key set as a whole counts for its children)."""
        for depth in range(len(path), 0, -1):
            found = self.by_key.get(path[:depth])
            if found is not None:
                return found
        return "default"


def _resolve(
    value: Any, env: Mapping[str, str], path: tuple[str, ...], refs: dict[tuple[str, ...], str]
) -> Any:
    if isinstance(value, dict):
        return {k: _resolve(v, env, (*path, str(k)), refs) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, env, (*path, str(i)), refs) for i, v in enumerate(value)]
    if isinstance(value, str):
        names = _REF.findall(value)
        if not names:
            return value
        refs[path] = names[0]
        if _REF.fullmatch(value):
            # A whole-value reference to an unset variable means "not configured".
            return env.get(names[0]) or None
        missing = [n for n in names if n not in env]
        if missing:
            raise ConfigError(f"{'.'.join(path)}: refers to ${{{missing[0]}}}, which is not set")
        return _REF.sub(lambda m: env[m.group(1)], value)
    return value


def _set(data: dict[str, Any], path: tuple[str, ...], value: str) -> None:
    node = data
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[path[-1]] = value


def _leaves(data: Mapping[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for key, value in data.items():
        here = (*path, str(key))
        if isinstance(value, Mapping) and value:
            yield from _leaves(value, here)
        else:
            yield here


def _read_yaml(config_path: Path, explicit: bool) -> dict[str, Any]:
    raw: Any = {}
    if config_path.exists():
        try:
            raw = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{config_path}: not valid YAML: {exc}") from None
    elif explicit:
        raise ConfigError(f"{config_path}: no such configuration file")
    if not isinstance(raw, dict):
        raise ConfigError(f"{config_path}: the top level must be a mapping of keys")
    return raw


def _describe(err: ValidationError, origins: Origins) -> str:
    lines = []
    for item in err.errors():
        path = tuple(str(p) for p in item["loc"])
        key = ".".join(path) or "(top level)"
        msg = item["msg"]
        if item["type"] == "extra_forbidden":
            msg = "unknown key"
        source = origins.of(path)
        where = source if source.startswith(ENV_PREFIX) or source in ENV_OVERRIDES else None
        where = where or str(origins.config_path)
        lines.append(f"{where}: {key}: {msg}")
    return "\n".join(lines)


def load_settings_with_origins(
    path: str | Path | None = None, *, env: Mapping[str, str] | None = None
) -> tuple[Settings, Origins]:
    """The settings and where each key came from (``onboard-bot config show`` prints both)."""
    env = os.environ if env is None else env
    explicit = path is not None or "ONBOARD_CONFIG" in env
    config_path = Path(path or env.get("ONBOARD_CONFIG") or DEFAULT_CONFIG)
    refs: dict[tuple[str, ...], str] = {}
    from_file = _resolve(_read_yaml(config_path, explicit), env, (), refs)
    legacy: dict[str, Any] = {}
    for name, target in ENV_OVERRIDES.items():
        if env.get(name):
            _set(legacy, target, env[name])
    prefixed = _PrefixedEnv(Settings, env)
    from_env = prefixed()

    origins = Origins(config_path)
    for key in _leaves(from_file):
        ref = next((refs[k] for k in refs if k[: len(key)] == key), None)
        origins.by_key[key] = "file" if ref is None else f"file (${{{ref}}})"
    for key in _leaves(legacy):
        origins.by_key[key] = next(n for n, t in ENV_OVERRIDES.items() if t == key)
    for key in _leaves(from_env):
        # The variable may name the key itself or a parent given as JSON (ONBOARD_ACCESS='{...}').
        depth = next(
            (d for d in range(len(key), 0, -1) if env_name(key[:d]) in _upper(env)), len(key)
        )
        for sub in [k for k in origins.by_key if k[:depth] == key[:depth]]:
            del origins.by_key[sub]
        origins.by_key[key[:depth]] = env_name(key[:depth])

    sources = (from_env, legacy, from_file)  # strongest first
    token = _LOADING.set(tuple(_DictSource(Settings, data) for data in sources))
    try:
        settings = Settings()
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origins)) from None
    finally:
        _LOADING.reset(token)
    return settings, origins


def _upper(env: Mapping[str, str]) -> set[str]:
    return {k.upper() for k, v in env.items() if v}


def load_settings(
    path: str | Path | None = None, *, env: Mapping[str, str] | None = None
) -> Settings:
    """Read app.yaml (``ONBOARD_CONFIG`` or ./app.yaml; a missing default file is an empty one)
    and the environment."""
    return load_settings_with_origins(path, env=env)[0]
