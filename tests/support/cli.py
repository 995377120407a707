"""Running ``onboard-bot`` in a test as an operator does, in a folder of its own."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main


@dataclass(frozen=True)
class Cli:
    """``onboard-bot`` over its own SQLite database; ``config`` is its (empty) app.yaml."""

    runner: CliRunner
    config: Path

    def __call__(self, *args: str) -> tuple[int, str]:
        """Run ``onboard-bot <args>``; its exit code and what it printed."""
        result = self.runner.invoke(main, list(args), catch_exceptions=False)
        return result.exit_code, result.output


def cli_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """``onboard-bot`` run from ``tmp_path``, with ``tmp_path/bot.db`` and an empty app.yaml."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    config = tmp_path / "app.yaml"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("ONBOARD_CONFIG", str(config))
    return Cli(CliRunner(), config)
