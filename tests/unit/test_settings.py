"""app.yaml + environment: defaults, ${ENV} references, overrides, and errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_empty_file_is_valid_sandbox(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, ""), env={})
    assert s.provider == "sandbox"
    assert s.access is None
    assert s.local_mode
    assert s.database_url.startswith("sqlite:")


def test_missing_default_file_is_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings(env={}).provider == "sandbox"


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_settings(env={"ONBOARD_CONFIG": str(tmp_path / "nope.yaml")})


def test_env_references_resolve_and_stay_secret(tmp_path: Path) -> None:
    path = write(tmp_path, "webex:\n  bot_token: ${MY_TOKEN}\n  webhook_secret: ${MY_SECRET}\n")
    s = load_settings(path, env={"MY_TOKEN": "tok-123", "MY_SECRET": "sec"})
    assert s.webex.bot_token is not None
    assert s.webex.bot_token.get_secret_value() == "tok-123"
    assert "tok-123" not in repr(s)
    assert not s.local_mode


def test_unset_whole_reference_means_not_configured(tmp_path: Path) -> None:
    s = load_settings(write(tmp_path, "webex:\n  bot_token: ${NOT_SET}\n"), env={})
    assert s.webex.bot_token is None


def test_unset_reference_inside_text_names_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, "database_url: postgresql://bot:${DB_PASS}@db/bot\n")
    with pytest.raises(ConfigError, match=r"database_url: refers to \$\{DB_PASS\}"):
        load_settings(path, env={})


def test_environment_wins_over_file(tmp_path: Path) -> None:
    path = write(
        tmp_path, "provider: sandbox\ndatabase_url: sqlite:///a.db\nwebex:\n  api_url: x\n"
    )
    env = {
        "DATABASE_URL": "sqlite:///b.db",
        "WEBEX_API_URL": "http://127.0.0.1:9/v1",
        "ONBOARD_PROVIDER": "webex",
        "WEBEX_BOT_TOKEN": "t",
        "WEBEX_WEBHOOK_SECRET": "s",
        "WEBEX_ADMIN_TOKEN": "a",
    }
    s = load_settings(path, env=env)
    assert s.database_url == "sqlite:///b.db"
    assert s.webex.api_url == "http://127.0.0.1:9/v1/"
    assert s.provider == "webex"
    assert s.webex.admin_token is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("provider: magic\n", "provider: Input should be 'sandbox' or 'webex'"),
        ("colour: blue\n", "colour: unknown key"),
        ("access:\n  admins: [bob]\n", "access.admins: Value error, 'bob' is neither"),
        ("digests:\n  - space: r1\n    timezone: Mars/Base\n", "digests.0.timezone"),
        ("port: 99999\n", "port: Input should be less than or equal to 65535"),
        ("webex:\n  api_url: ftp://x\n", "webex.api_url"),
        ("- just\n- a list\n", "the top level must be a mapping"),
        ("a: [unclosed\n", "not valid YAML"),
    ],
)
def test_invalid_files_name_the_key(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, text), env={})
    assert expected in str(info.value)
    assert str(tmp_path) in str(info.value)


def test_access_patterns_are_lowercased(tmp_path: Path) -> None:
    path = write(tmp_path, "access:\n  admins: [Alice@Example.com, '*@Partner.example']\n")
    s = load_settings(path, env={})
    assert s.access is not None
    assert s.access.admins == ("alice@example.com", "*@partner.example")
