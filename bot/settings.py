"""app.yaml + environment -> frozen, validated Settings, with errors that name the bad key.

Secrets never appear in app.yaml literally: a value may be a ``${ENV_VAR}`` reference, resolved
here. The environment variables of architecture.md always win over the file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
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

DEFAULT_CONFIG = "app.yaml"
DEFAULT_API_URL = "https://webexapis.com/v1/"
DEFAULT_DATABASE_URL = "sqlite:///var/onboard-bot.db"

_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_PATTERN = re.compile(r"^(\*@[^@\s]+\.[^@\s]+|[^@\s*]+@[^@\s]+\.[^@\s]+)$")


class ConfigError(Exception):
    """The configuration is unusable; the message names the key and what is wrong."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebexSettings(_Model):
    """How the bot reaches Webex."""

    bot_token: SecretStr | None = None
    webhook_secret: SecretStr | None = None
    api_url: str = DEFAULT_API_URL
    admin_token: SecretStr | None = None
    public_url: str | None = None  # where Webex reaches our webhook endpoint
    org_id: str | None = None  # the Control Hub org; unset: the admin token's own
    control_hub: bool = True  # False: BroadWorks subscribers only, no People/SCIM reads

    @field_validator("api_url")
    @classmethod
    def _slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://webexapis.com/v1/")
        return value if value.endswith("/") else value + "/"


class OAuthSettings(_Model):
    """An integration or service app whose access token the bot refreshes itself."""

    client_id: str
    client_secret: SecretStr
    refresh_token: SecretStr


class AccessSettings(_Model):
    """Who may do what: emails or ``*@domain`` patterns per role, roles per space, orgs allowed."""

    admins: tuple[str, ...] = ()
    support: tuple[str, ...] = ()
    viewers: tuple[str, ...] = ()
    spaces: dict[str, Literal["admin", "support", "viewer"]] = Field(default_factory=dict)
    orgs: tuple[str, ...] = ()  # empty: people of any org
    allowed_spaces: tuple[str, ...] = ()  # empty: any space

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
    schedule: str = "daily 08:00"  # daily HH:MM, weekdays HH:MM, or a five-field cron line
    timezone: str = "UTC"
    content: Literal["errors", "pending", "all"] = "all"
    quiet: bool = False

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as Europe/Prague") from None
        return value


class SandboxSettings(_Model):
    """The embedded demo provider."""

    random_seed: int = 0
    step_seconds: float = Field(default=20.0, gt=0)


class SyncSettings(_Model):
    """How the Webex provider keeps its snapshot fresh."""

    freshness_seconds: int = Field(default=300, ge=0)
    interval_seconds: int = Field(default=300, ge=30)
    full_sync_hours: float = Field(default=24.0, gt=0)  # incremental syncs miss deletions
    max_wait_seconds: float = Field(default=30.0, ge=0)  # Retry-After/backoff bound per call


class EngineSettings(_Model):
    """How events and replies are worked off (bot/runtime.py): retries, pool sizes, claims."""

    retry_hours: float = Field(default=24.0, gt=0)  # keep retrying Webex this long, then report
    max_backoff_seconds: float = Field(default=60.0, gt=0)
    workers: int = Field(default=16, ge=1, le=256)  # sized for 100-300 ms Webex calls
    senders: int = Field(default=16, ge=1, le=256)
    claim_stale_seconds: float = Field(default=5.0, gt=0)  # a silent claim is free after this
    instance: str | None = None  # a restart under the same name frees its claims at once


class Settings(_Model):
    """Everything the bot is configured by."""

    provider: Literal["sandbox", "webex"] = "sandbox"
    locale: Literal["en", "cs"] = "en"
    database_url: str = DEFAULT_DATABASE_URL
    files_dir: Path = Path("var/files")
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    webex: WebexSettings = WebexSettings()
    oauth: OAuthSettings | None = None
    access: AccessSettings | None = None  # None: the sandbox's everyone-is-admin mode
    digests: tuple[DigestSettings, ...] = ()
    confirmation_minutes: int = Field(default=10, ge=1, le=24 * 60)
    not_verified_days: int = Field(default=7, ge=0)
    claim_warning_days: int = Field(default=2, ge=0)
    commands_per_minute: int = Field(default=30, ge=1)
    sandbox: SandboxSettings = SandboxSettings()
    sync: SyncSettings = SyncSettings()
    engine: EngineSettings = EngineSettings()

    @property
    def local_mode(self) -> bool:
        """True without a bot token: the bot talks to the built-in Webex stand-in."""
        return self.webex.bot_token is None


# The environment variables of architecture.md, and where each lands in Settings.
ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "WEBEX_BOT_TOKEN": ("webex", "bot_token"),
    "WEBEX_WEBHOOK_SECRET": ("webex", "webhook_secret"),
    "WEBEX_API_URL": ("webex", "api_url"),
    "WEBEX_ADMIN_TOKEN": ("webex", "admin_token"),
    "DATABASE_URL": ("database_url",),
    "ONBOARD_PROVIDER": ("provider",),
    "ONBOARD_LOCALE": ("locale",),
    "ONBOARD_INSTANCE": ("engine", "instance"),
}


def _resolve(value: Any, env: Mapping[str, str], path: str) -> Any:
    if isinstance(value, dict):
        return {k: _resolve(v, env, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, env, f"{path}.{i}") for i, v in enumerate(value)]
    if isinstance(value, str):
        names = _REF.findall(value)
        if not names:
            return value
        if _REF.fullmatch(value):
            # A whole-value reference to an unset variable means "not configured".
            return env.get(names[0]) or None
        missing = [n for n in names if n not in env]
        if missing:
            raise ConfigError(f"{path}: refers to ${{{missing[0]}}}, which is not set")
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


def _describe(err: ValidationError, source: str) -> str:
    lines = []
    for item in err.errors():
        key = ".".join(str(p) for p in item["loc"]) or "(top level)"
        msg = item["msg"]
        if item["type"] == "extra_forbidden":
            msg = "unknown key"
        lines.append(f"{source}: {key}: {msg}")
    return "\n".join(lines)


def load_settings(
    path: str | Path | None = None, *, env: Mapping[str, str] | None = None
) -> Settings:
    """Read app.yaml (``ONBOARD_CONFIG`` or ./app.yaml; a missing default file is an empty one)."""
    env = os.environ if env is None else env
    explicit = path is not None or "ONBOARD_CONFIG" in env
    config_path = Path(path or env.get("ONBOARD_CONFIG") or DEFAULT_CONFIG)
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
    data = _resolve(raw, env, "")
    for name, target in ENV_OVERRIDES.items():
        if env.get(name):
            _set(data, target, env[name])
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, str(config_path))) from None
