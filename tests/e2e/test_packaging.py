"""The deployment kit: the wheel in a fresh virtualenv from the lock file runs what the image runs;
the Dockerfile, compose.yaml, the systemd unit and README say the same thing; serve takes every
setting from the environment alone.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import yaml
from dockerfile_parse import DockerfileParser

from bot.settings import ENV_OVERRIDES, Settings
from bot.settings_docs import reference_markdown
from tests.support.emulator import eventually

ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"listening on (http://[\d.]+:\d+)")


# -- the Dockerfile and compose.yaml as documents ------------------------------------------------


def dockerfile() -> DockerfileParser:
    return DockerfileParser(path=str(ROOT / "Dockerfile"))


def instructions(name: str) -> list[str]:
    return [i["value"] for i in dockerfile().structure if i["instruction"] == name]


def final_stage() -> list[dict[str, str]]:
    structure = dockerfile().structure
    last_from = max(i for i, s in enumerate(structure) if s["instruction"] == "FROM")
    return structure[last_from:]


def image_command() -> list[str]:
    [cmd] = instructions("CMD")
    command: list[str] = json.loads(cmd)
    return command


def healthcheck_command() -> list[str]:
    [check] = instructions("HEALTHCHECK")
    command: list[str] = json.loads(check.split("CMD", 1)[1].strip())
    return command


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def readme_deployment() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Deployment")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def known_variables() -> set[str]:
    """Every variable the settings schema reads, as docs/configuration.md lists them."""
    names = set(re.findall(r"`((?:ONBOARD|WEBEX|DATABASE)_[A-Z_]+)`", reference_markdown()))
    return names | set(ENV_OVERRIDES) | {"ONBOARD_CONFIG"}


def test_the_image_is_slim_unprivileged_and_runs_serve():
    parser = dockerfile()
    assert re.fullmatch(r"python:3\.\d+-slim", parser.baseimage), parser.baseimage
    stage = final_stage()
    users = [s["value"] for s in stage if s["instruction"] == "USER"]
    assert users and users[-1] not in ("root", "0")
    runs = " ".join(s["value"] for s in stage if s["instruction"] == "RUN")
    assert "-r /tmp/requirements.lock" in runs and "--no-deps /tmp/wheels/*.whl" in runs
    assert image_command() == ["onboard-bot", "serve"]
    assert "/healthz" in " ".join(healthcheck_command())
    assert instructions("EXPOSE") == [parser.envs["ONBOARD_PORT"]]
    assert parser.envs["ONBOARD_HOST"] == "0.0.0.0"
    assert set(parser.envs) - {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"} <= known_variables()


def test_compose_runs_that_image_beside_postgresql():
    services = compose()["services"]
    assert services["db"]["image"].startswith("postgres:")
    bot = services["bot"]
    assert bot["build"] == "."
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    port = dockerfile().envs["ONBOARD_PORT"]
    assert [p.split(":")[-1] for p in bot["ports"]] == [port]
    env = bot["environment"]
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "@db:5432/" in env["DATABASE_URL"]
    assert set(env) <= known_variables(), set(env) - known_variables()
    assert "command" not in bot  # the image's own CMD, the one the wheel test runs


def test_the_systemd_unit_runs_serve_with_the_environment_file():
    unit = (ROOT / "deploy" / "onboard-bot.service").read_text(encoding="utf-8")
    exec_start = re.search(r"^ExecStart=(.+)$", unit, re.M)
    assert exec_start is not None
    assert shlex.split(exec_start.group(1))[1:] == image_command()[1:]
    assert re.search(r"^User=(?!root)\w+", unit, re.M)
    env_file = re.search(r"^EnvironmentFile=(.+)$", unit, re.M)
    assert env_file is not None
    example = (ROOT / "deploy" / "onboard-bot.env").read_text(encoding="utf-8")
    names = {
        line.split("=", 1)[0] for line in example.splitlines() if "=" in line and line[0] != "#"
    }
    assert names <= known_variables()


def test_readme_deployment_documents_what_the_files_say():
    section = readme_deployment()
    assert "docker compose up" in section
    assert "onboard-bot doctor" in section
    assert "deploy/onboard-bot.service" in section
    assert dockerfile().envs["ONBOARD_PORT"] in section
    compose_env = compose()["services"]["bot"]["environment"]
    for name in compose_env:
        assert name in section, f"README Deployment does not mention {name}"
    assert "/healthz" in section and "/readyz" in section and "/metrics" in section
    assert "make lock" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_lock_files_pin_every_dependency_exactly():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def pinned(path: Path) -> dict[str, str]:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line]
        pins = {}
        for line in lines:
            if line.startswith("#"):
                continue
            name, _, version = line.partition("==")
            assert version, f"{path.name}: {line!r} is not an exact version"
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
        return pins

    def names(requirements: list[str]) -> set[str]:
        return {
            re.sub(r"[-_.]+", "-", re.split(r"[\[<>=!~ ;]", r, maxsplit=1)[0]).lower()
            for r in requirements
        }

    runtime = pinned(ROOT / "requirements.lock")
    dev = pinned(ROOT / "requirements-dev.lock")
    assert names(project["dependencies"]) <= set(runtime), "run `make lock`"
    assert names(project["optional-dependencies"]["dev"]) <= set(dev), "run `make lock`"
    assert {k: dev[k] for k in runtime} == runtime  # CI tests the versions the image ships


def test_ci_and_make_install_from_the_lock_file():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-c requirements-dev.lock -e '.[dev]'" in makefile
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci and "pg_ctlcluster" in ci and "chromium" in ci


# -- the wheel, installed as the image installs it ----------------------------------------------


@contextmanager
def serving(command: list[str], env: dict[str, str], cwd: Path) -> Iterator[tuple[str, list[str]]]:
    """Run ``command`` (serve) until it prints its URL; stop it with SIGTERM afterwards."""
    proc = subprocess.Popen(
        command,
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            found = LISTENING.search(line)
            if found:
                yield found.group(1), lines
                return
        raise AssertionError(f"serve did not start: {''.join(lines)}")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        lines.extend(err.splitlines(keepends=True))
        assert proc.returncode == 0, "".join(lines)


def base_env(tmp_path: Path) -> dict[str, str]:
    """A clean environment: no app.yaml, no ONBOARD_/WEBEX_ variables of the developer's."""
    keep = {"PATH", "HOME", "LANG", "TMPDIR", "PIP_FIND_LINKS", "PIP_CERT", "PIP_DEFAULT_TIMEOUT"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["ONBOARD_CONFIG"] = os.devnull  # an empty file: nothing from any app.yaml
    return env


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the lock file's versions and the project's wheel, as the image."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(work), str(ROOT)],
        check=True,
        capture_output=True,
    )
    [wheel] = work.glob("onboard_bot-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "-r", str(ROOT / "requirements.lock")], check=True, capture_output=True)
    subprocess.run([*pip, "--no-deps", str(wheel)], check=True, capture_output=True)
    return venv


@pytest.mark.slow
def test_the_wheel_serves_healthz_with_the_image_command(installed_wheel, tmp_path):
    bin_dir = installed_wheel / "bin"
    env = base_env(tmp_path)
    env.update(dockerfile().envs)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env.update(ONBOARD_HOST="127.0.0.1", ONBOARD_PORT="0")  # loopback, any free port
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'bot.db'}"
    env["ONBOARD_FILES_DIR"] = str(tmp_path / "files")
    version = subprocess.run(
        [str(bin_dir / "onboard-bot"), "--version"], env=env, capture_output=True, text=True
    )
    assert version.stdout.strip() == "onboard-bot, version 0.1.0"
    as_module = subprocess.run(
        [str(bin_dir / "python"), "-m", "bot", "--version"], env=env, capture_output=True, text=True
    )
    assert as_module.stdout == version.stdout
    with serving(image_command(), env, tmp_path) as (url, _):
        assert requests.get(url + "/healthz", timeout=5).json() == {"status": "ok"}
        # Ready once the intake is up (local mode: the websocket to the built-in stand-in).
        assert eventually(lambda: requests.get(url + "/readyz", timeout=5).ok, timeout=20)
        # The image's own HEALTHCHECK, run as Docker would, against this port.
        port = url.rsplit(":", 1)[1]
        check = subprocess.run(
            [str(bin_dir / "python"), *healthcheck_command()[1:]],
            env={**env, "ONBOARD_PORT": port},
            capture_output=True,
        )
        assert check.returncode == 0, check.stderr
    # The migrations shipped in the wheel ran at start.
    assert (tmp_path / "bot.db").exists()


def test_serve_takes_every_setting_from_the_environment(tmp_path):
    env = base_env(tmp_path)
    env.update(
        ONBOARD_HOST="127.0.0.1",
        ONBOARD_PORT="0",
        DATABASE_URL=f"sqlite:///{tmp_path / 'env.db'}",
        ONBOARD_FILES_DIR=str(tmp_path / "exports"),
        ONBOARD_LOCALE="cs",
        ONBOARD_CONFIRMATION_MINUTES="15",
        ONBOARD_COMMANDS_PER_MINUTE="12",
        ONBOARD_NOT_VERIFIED_DAYS="9",
        ONBOARD_SYNC__FRESHNESS_SECONDS="77",
        ONBOARD_SANDBOX__STEP_SECONDS="3600",
        ONBOARD_ACCESS__ADMINS='["ana.admin@example.com"]',
        ONBOARD_DIGESTS='[{"space": "room-ops", "schedule": "weekdays 07:30"}]',
    )
    exe = str(Path(sys.executable).parent / "onboard-bot")
    shown = subprocess.run(
        [exe, "config", "show", "--json"], env=env, capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    rows = {row["key"]: row for row in json.loads(shown.stdout)}
    for key, variable, value in (
        ("locale", "ONBOARD_LOCALE", "cs"),
        ("confirmation_minutes", "ONBOARD_CONFIRMATION_MINUTES", "15"),
        ("commands_per_minute", "ONBOARD_COMMANDS_PER_MINUTE", "12"),
        ("sync.freshness_seconds", "ONBOARD_SYNC__FRESHNESS_SECONDS", "77"),
        ("access.admins", "ONBOARD_ACCESS__ADMINS", '["ana.admin@example.com"]'),
        ("database_url", "DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}"),
    ):
        assert (rows[key]["value"], rows[key]["source"]) == (value, variable), rows[key]
    assert rows["digests"]["source"] == "ONBOARD_DIGESTS"
    with serving([exe, "serve"], env, tmp_path) as (url, lines):
        assert requests.get(url + "/healthz", timeout=5).status_code == 200
    logged = [json.loads(line) for line in lines if line.startswith("{")]
    [config] = [r for r in logged if r["message"].startswith("configuration: ")]
    effective = config["configuration"]
    assert effective["locale"] == {"value": "cs", "source": "ONBOARD_LOCALE"}
    assert effective["sync.freshness_seconds"]["value"] == "77"
    assert effective["not_verified_days"] == {"value": "9", "source": "ONBOARD_NOT_VERIFIED_DAYS"}
    assert (tmp_path / "env.db").exists() and (tmp_path / "exports").is_dir()
    assert config["level"] == "info"  # serve logs at INFO by default
    assert Settings().locale == "en"  # nothing leaked into this process
