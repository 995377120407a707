"""Every key from the environment: nested ONBOARD_ variables, JSON lists, and their sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.settings import ConfigError, Settings, load_settings, load_settings_with_origins


def test_nested_variables_set_nested_keys(tmp_path: Path) -> None:
    env = {
        "ONBOARD_CONFIG": str(tmp_path / "none.yaml"),
        "ONBOARD_SYNC__FRESHNESS_SECONDS": "600",
        "ONBOARD_WEBEX__ORG_ID": "org-1",
        "ONBOARD_WEBEX__CONTROL_HUB": "false",
        "ONBOARD_HOST": "0.0.0.0",
        "ONBOARD_PORT": "9090",
        "ONBOARD_ACCESS__ADMINS": '["Alice@Partner.example"]',
        "ONBOARD_SANDBOX__STEP_SECONDS": "5",
    }
    (tmp_path / "none.yaml").write_text("", encoding="utf-8")
    s = load_settings(env=env)
    assert s.sync.freshness_seconds == 600
    assert s.webex.org_id == "org-1"
    assert s.webex.control_hub is False
    assert (s.host, s.port) == ("0.0.0.0", 9090)
    assert s.access is not None and s.access.admins == ("alice@partner.example",)
    assert s.sandbox.step_seconds == 5.0


def test_environment_beats_file_and_origins_say_so(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    path.write_text(
        "port: 8000\nsync:\n  interval_seconds: 60\nwebex:\n  bot_token: ${TOK}\n", "utf-8"
    )
    env = {"ONBOARD_PORT": "8001", "TOK": "secret-token", "DATABASE_URL": "sqlite:///x.db"}
    s, origins = load_settings_with_origins(path, env=env)
    assert s.port == 8001
    assert s.sync.interval_seconds == 60
    assert origins.of(("port",)) == "ONBOARD_PORT"
    assert origins.of(("sync", "interval_seconds")) == "file"
    assert origins.of(("webex", "bot_token")) == "file (${TOK})"
    assert origins.of(("database_url",)) == "DATABASE_URL"
    assert origins.of(("locale",)) == "default"


def test_a_bad_variable_is_named(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"^ONBOARD_SYNC__INTERVAL_SECONDS: sync.interval_seconds"
    ):
        load_settings(
            env={
                "ONBOARD_CONFIG": str(_empty(tmp_path)),
                "ONBOARD_SYNC__INTERVAL_SECONDS": "5",
            }
        )
    with pytest.raises(ConfigError, match=r"ONBOARD_SYNC__NOPE: sync.nope: unknown key"):
        load_settings(env={"ONBOARD_CONFIG": str(_empty(tmp_path)), "ONBOARD_SYNC__NOPE": "1"})


def _empty(tmp_path: Path) -> Path:
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    return path


def test_direct_construction_reads_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONBOARD_PORT", "1234")
    monkeypatch.setenv("WEBEX_BOT_TOKEN", "would-leave-local-mode")
    s = Settings()
    assert s.port == 8080
    assert s.local_mode


def test_config_show_masks_secrets_and_names_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONBOARD_CONFIG", str(_empty(tmp_path)))
    monkeypatch.setenv("WEBEX_BOT_TOKEN", "bot-token-value-123")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://bot:hunter22@db/bot")
    monkeypatch.setenv("ONBOARD_SYNC__FRESHNESS_SECONDS", "42")
    result = CliRunner().invoke(main, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    assert "bot-token-value-123" not in result.output
    assert "hunter22" not in result.output
    rows = {row["key"]: row for row in json.loads(result.output)}
    assert rows["webex.bot_token"] == {
        "key": "webex.bot_token",
        "value": "***",
        "source": "WEBEX_BOT_TOKEN",
    }
    assert rows["database_url"]["value"] == "postgresql+psycopg://bot:***@db/bot"
    assert rows["sync.freshness_seconds"]["value"] == "42"
    assert rows["sync.freshness_seconds"]["source"] == "ONBOARD_SYNC__FRESHNESS_SECONDS"
    assert rows["webex.webhook_secret"]["value"] == "(unset)"
    assert rows["port"]["source"] == "default"
    plain = CliRunner().invoke(main, ["config", "show"])
    assert (
        "sync.freshness_seconds" in plain.output
        and "[ONBOARD_SYNC__FRESHNESS_SECONDS]" in plain.output
    )


def test_serve_logs_at_info_unless_quieted_and_one_shot_commands_at_warning() -> None:
    import logging

    from bot.logs import level_for

    assert level_for(routine=True) == logging.INFO
    assert level_for(routine=True, quiet=1) == logging.WARNING
    assert level_for(routine=True, verbose=1) == logging.DEBUG
    assert level_for() == logging.WARNING
    assert level_for(verbose=1) == logging.INFO
    assert level_for(quiet=5) == logging.ERROR


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("https://webexapis.com/v1/broadworks/subscribers?max=100", "broadworks/subscribers"),
        (
            "https://webexapis.com/v1/broadworks/subscribers/Y2lzY29zcGFyazovL3VzL1NVQlNDUklCRVIvMTIz",
            "broadworks/subscribers/{id}",
        ),
        ("https://webexapis.com/v1/people/me", "people/me"),
        (
            "https://webexapis.com/v1/identity/scim/0f7ab6e2-1b3c-4d5e-8f90-123456789abc/v2/Users",
            "identity/scim/{id}/v2/Users",
        ),
        (
            "https://webexapis.com/v1/identity/organizations/Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi8x"
            "/jobs/sendActivationEmails/42/status",
            "identity/organizations/{id}/jobs/sendActivationEmails/{id}/status",
        ),
    ],
)
def test_admin_api_endpoints_are_labelled_without_their_ids(url: str, endpoint: str) -> None:
    from onboarding.providers.webex_http import endpoint_of

    assert endpoint_of(url, "https://webexapis.com/v1/") == endpoint
