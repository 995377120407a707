"""docs/configuration.md is the schema's own reference: regenerate it when a key changes."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.settings import ENV_OVERRIDES, Settings, env_name
from bot.settings_docs import reference_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_configuration_reference_is_current() -> None:
    assert DOCS.read_text(encoding="utf-8") == reference_markdown(), (
        "docs/configuration.md is stale: run `make docs` (onboard-bot config docs)"
    )


def test_every_key_and_variable_is_in_the_reference() -> None:
    text = reference_markdown()
    for name in Settings.model_fields:
        assert f"`{name}" in text
    for name in ENV_OVERRIDES:
        assert f"`{name}`" in text
    assert f"`{env_name(('sync', 'freshness_seconds'))}`" in text
    assert "`ONBOARD_WEBEX__ORG_ID`" in text


def test_every_key_is_described() -> None:
    def walk(model: type, path: str) -> None:
        for name, info in model.model_fields.items():  # type: ignore[attr-defined]
            assert info.description, f"{path}{name} has no docstring"

    walk(Settings, "")


def test_config_docs_writes_the_file(tmp_path: Path) -> None:
    target = tmp_path / "configuration.md"
    result = CliRunner().invoke(main, ["config", "docs", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == reference_markdown()
