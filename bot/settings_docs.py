"""What the settings schema says about itself: the effective values (masked) and the reference.

``effective`` feeds ``onboard-bot config show``; ``reference_markdown`` is docs/configuration.md
(``onboard-bot config docs`` writes it, and a test fails when the file is stale).
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from bot.settings import ENV_OVERRIDES, Origins, Settings, env_name

MASK = "***"
UNSET = "(unset)"


@dataclass(frozen=True, slots=True)
class Effective:
    """One key's value as ``config show`` prints it, and where it came from."""

    key: str
    value: str
    source: str


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The settings model a field holds (also through ``X | None``), else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        models = [a for a in typing.get_args(annotation) if _model_of(a) is not None]
        return _model_of(models[0]) if len(models) == 1 else None
    return None


def _shown(value: Any, key: str) -> str:
    if value is None:
        return UNSET
    if isinstance(value, SecretStr):
        return MASK
    if key == "database_url":
        try:
            return sa.make_url(str(value)).render_as_string(hide_password=True)
        except sa.exc.ArgumentError:
            return str(value)
    if isinstance(value, BaseModel):
        return json.dumps(value.model_dump(mode="json"), ensure_ascii=False)
    if isinstance(value, tuple | list):
        items = [v.model_dump(mode="json") if isinstance(v, BaseModel) else v for v in value]
        return json.dumps(items, ensure_ascii=False)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Path):
        return str(value)
    return json.dumps(value) if isinstance(value, bool) else str(value)


def effective(settings: Settings, origins: Origins) -> list[Effective]:
    """Every key with its effective value (secrets masked) and its source."""
    rows: list[Effective] = []

    def walk(model: BaseModel, path: tuple[str, ...]) -> None:
        for name, info in type(model).model_fields.items():
            value = getattr(model, name)
            here = (*path, name)
            if isinstance(value, BaseModel) and _model_of(info.annotation) is not None:
                walk(value, here)
                continue
            source = origins.of(here)
            if source.startswith("file"):
                source = source.replace("file", str(origins.config_path), 1)
            rows.append(Effective(".".join(here), _shown(value, name), source))

    walk(settings, ())
    return rows


@dataclass(frozen=True, slots=True)
class _Doc:
    key: str
    env: str
    default: str
    text: str


def _default(info: FieldInfo) -> str:
    if info.default is PydanticUndefined and info.default_factory is None:
        return "required"
    value = info.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, BaseModel):
        return ""
    if isinstance(value, tuple | list | dict) and not value:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"`{value}`"


def _docs(model: type[BaseModel], path: tuple[str, ...]) -> Iterator[_Doc]:
    legacy = {target: name for name, target in ENV_OVERRIDES.items()}
    for name, info in model.model_fields.items():
        here = (*path, name)
        inner = _model_of(info.annotation)
        text = " ".join((info.description or "").split())
        if inner is not None and info.default is not None and _default(info) == "":
            yield from _docs(inner, here)
            continue
        names = [f"`{env_name(here)}`"]
        if here in legacy:
            names.insert(0, f"`{legacy[here]}`")
        if inner is not None:
            text = f"{text} Set as a whole (JSON in the variable) or key by key, below."
        yield _Doc(".".join(here), ", ".join(names), _default(info), text)
        if inner is not None:
            yield from _docs(inner, here)


def reference_markdown() -> str:
    """docs/configuration.md, generated from the Settings schema."""
    lines = [
        "# Configuration reference",
        "",
        "<!-- Generated from bot/settings.py by `onboard-bot config docs` (or `make docs`);",
        "     tests/unit/test_config_docs.py fails when this file is stale. Do not edit. -->",
        "",
        "Every key can be set in app.yaml (or the file named by `ONBOARD_CONFIG`) or in the",
        "environment. The environment wins: first the `ONBOARD_` variables, nested with `__`",
        "(`ONBOARD_SYNC__FRESHNESS_SECONDS=600`; lists and mappings as JSON, e.g.",
        "`ONBOARD_ACCESS__ADMINS='[\"alice@partner.example\"]'`), then the established names",
        "`WEBEX_BOT_TOKEN`, `WEBEX_WEBHOOK_SECRET`, `WEBEX_API_URL`, `WEBEX_ADMIN_TOKEN` and",
        "`DATABASE_URL`, then the file, then the default. In the file, a value may be a",
        "`${ENV_VAR}` reference, so that secrets never appear in it.",
        "`onboard-bot config show` prints the effective value of every key (secrets masked) and",
        "where it came from.",
        "",
        "| key | environment | default | what it does |",
        "|---|---|---|---|",
    ]
    for doc in _docs(Settings, ()):
        text = doc.text.replace("|", "\\|")
        lines.append(f"| `{doc.key}` | {doc.env} | {doc.default} | {text} |")
    digest_keys = ", ".join(
        f"`{name}`"
        for name in typing.get_args(Settings.model_fields["digests"].annotation)[0].model_fields
    )
    lines += [
        "",
        f"Each entry of `digests` has the keys {digest_keys}.",
        "",
    ]
    return "\n".join(lines)
