"""Config files, their precedence, and build-context resolution."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import BAD, slimfix

from slimfix.config import ConfigError, find_config, load_config
from slimfix.buildcontext import ContextResolver
from slimfix.config import Config

PIP = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt\n"


def test_found_from_the_working_directory_upward(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")  # no [tool.slimfix]: skipped
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "slimfix.toml").write_text("ignore = ['SF102']\n")
    (tmp_path / "a" / "b").mkdir()
    assert find_config(tmp_path / "a" / "b") == tmp_path / "a" / "slimfix.toml"
    assert find_config(tmp_path) is None
    (tmp_path / "pyproject.toml").write_text("[tool.slimfix]\nselect = ['SF1']\n")
    assert find_config(tmp_path) == tmp_path / "pyproject.toml"


@pytest.mark.parametrize("text, message", [
    ("selct = ['SF1']\n", "unknown key 'selct'"),
    ("select = 'SF1'\n", "'select' must be a list of strings"),
    ("unsafe-fixes = 1\n", "'unsafe-fixes' must be true or false"),
    ("contexts = { 'a' = 1 }\n", "contexts.'a' must be a directory"),
    ("per-file-ignores = { 'a' = 'SF1' }\n", "must be a list of rule codes"),
    ("select = [\n", "not valid TOML"),
])
def test_bad_config_is_an_error_naming_the_key(tmp_path, text, message):
    f = tmp_path / "slimfix.toml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(f)
    code, _, err = slimfix(".", cwd=tmp_path)
    assert code == 2 and err.startswith("slimfix: slimfix.toml: ")  # relative, as the findings' names
    (tmp_path / "Dockerfile").write_text("FROM debian\n")
    code, _, err = slimfix(tmp_path.name, cwd=tmp_path.parent)
    assert code == 2 and f"slimfix: {tmp_path.name}/slimfix.toml: " in err


def test_precedence_command_line_over_file(tmp_path):
    (tmp_path / "Dockerfile").write_text(BAD)
    (tmp_path / ".slimfix.toml").write_text("ignore = ['SF102']\n")
    assert slimfix(".", cwd=tmp_path)[0] == 0  # the file turns SF102 off
    assert slimfix("--ignore", "SF5", ".", cwd=tmp_path)[0] == 1  # the command line replaces it
    other = tmp_path / "other.toml"
    other.write_text("select = ['SF3']\n")
    assert slimfix("--config", other, ".", cwd=tmp_path)[0] == 0  # --config replaces discovery


def test_per_file_ignores_and_unknown_codes(tmp_path):
    for d in ("legacy", "new"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "Dockerfile").write_text(BAD)
    (tmp_path / "slimfix.toml").write_text("per-file-ignores = { 'legacy/**' = ['SF102'] }\n")
    _, out, _ = slimfix(".", cwd=tmp_path)
    assert "new/Dockerfile" in out and "legacy/Dockerfile" not in out
    (tmp_path / "slimfix.toml").write_text("per-file-ignores = { 'legacy/**' = ['SF999'] }\n")
    assert slimfix(".", cwd=tmp_path)[0] == 2


def _project(tmp_path: Path) -> Path:
    (tmp_path / "services" / "api").mkdir(parents=True)
    (tmp_path / "services" / "api" / "Dockerfile").write_text(PIP)
    (tmp_path / "requirements.txt").write_text("flask\n")
    return tmp_path / "services" / "api" / "Dockerfile"


def test_context_from_compose_file(tmp_path):
    dockerfile = _project(tmp_path)
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  api:\n    build:\n      context: .\n      dockerfile: services/api/Dockerfile\n"
        "  db:\n    image: postgres\n  broken:\n    build: [1, 2]\n")
    found = ContextResolver(None, Config()).resolve(dockerfile)
    assert found.context == tmp_path.resolve() and "docker-compose.yml" in found.reason
    # the hoist can now see requirements.txt at the root of that context
    code, out, _ = slimfix("--select", "SF201", "--diff", dockerfile, cwd=tmp_path)
    assert code == 1 and "+COPY requirements.txt ./" in out


def test_context_from_bake_file_and_defaults(tmp_path):
    dockerfile = _project(tmp_path)
    resolver = ContextResolver(None, Config())
    assert resolver.resolve(dockerfile).reason == "the Dockerfile's directory"
    (tmp_path / "docker-bake.hcl").write_text(
        'target "api" {\n  context = "."\n  dockerfile = "services/api/Dockerfile"\n}\n')
    assert ContextResolver(None, Config()).resolve(dockerfile).context == tmp_path.resolve()


def test_context_precedence(tmp_path):
    dockerfile = _project(tmp_path)
    (tmp_path / "compose.yaml").write_text("services:\n  api:\n    build:\n      context: services/api\n")
    (tmp_path / "slimfix.toml").write_text("contexts = { 'services/*/Dockerfile' = '.' }\n")
    cfg = load_config(tmp_path / "slimfix.toml")
    assert "config" in ContextResolver(None, cfg).resolve(dockerfile).reason
    assert ContextResolver(tmp_path / "x", cfg).resolve(dockerfile).reason == "--context"
    assert "compose.yaml" in ContextResolver(None, Config()).resolve(dockerfile).reason
    code, out, _ = slimfix("--show-contexts", ".", cwd=tmp_path)
    assert code == 0 and out.strip().endswith("(config " + str(tmp_path / "slimfix.toml") + " (contexts 'services/*/Dockerfile'))")


def test_a_deeply_nested_toml_array_is_that_files_error_not_the_runs(tmp_path):
    """Valid TOML nested deeper than the parser's recursion: the Dockerfile under it is
    refused with the file's error; the others are checked."""
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "pyproject.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    (tmp_path / "deep" / "Dockerfile").write_text(BAD)
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "Dockerfile").write_text(BAD)
    code, out, err = slimfix(".", "--no-cache", cwd=tmp_path)
    assert code == 2 and "Traceback" not in err and "internal error" not in err
    assert "deep/pyproject.toml: nested too deeply" in err and "ok/Dockerfile" in out
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config(tmp_path / "deep" / "pyproject.toml")


@pytest.fixture
def repo_under_settings(tmp_path):
    """A settings file in a shared folder above a repository, excluding everything."""
    (tmp_path / "slimfix.toml").write_text("exclude = ['*']\nunsafe-fixes = true\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "Dockerfile").write_text(BAD)
    return repo


def test_a_settings_file_above_the_repository_does_not_apply(repo_under_settings):
    repo = repo_under_settings
    code, out, err = slimfix("--check", ".", cwd=repo)
    assert code == 1 and "1 of 1 file would change" in err
    assert find_config(repo) is None
    code, out, err = slimfix("--check", "repo", cwd=repo.parent)  # named from above: still not its
    assert code == 1 and "1 of 1 file would change" in err


def test_show_settings_names_the_settings_file_each_dockerfile_gets(repo_under_settings):
    repo = repo_under_settings
    (repo / "sub").mkdir()
    (repo / "sub" / "slimfix.toml").write_text("select = ['SF102']\nunsafe-fixes = true\n")
    (repo / "sub" / "Dockerfile").write_text(BAD)
    code, out, err = slimfix("--show-settings", ".", cwd=repo)
    assert code == 0, err
    lines = dict(line.split(": ", 1) for line in out.splitlines())
    assert lines["Dockerfile"].startswith("settings file none (defaults); rules SF101, ")
    assert "unsafe fixes off" in lines["Dockerfile"]
    assert lines["sub/Dockerfile"] == f"settings file {repo / 'sub' / 'slimfix.toml'}; rules SF102; unsafe fixes on"
