"""SF401 and `.env`: excluded only when it is plainly not part of the project."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from slimfix.engine import fix_document
from slimfix.rules import select_rules

RULES = select_rules(["SF401"])
DOCKERFILE = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"app.py\"]\n"
git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _context(tmp_path, env: str, gitignore: str | None = None, track_env: bool = False):
    root = tmp_path / "ctx"
    root.mkdir()
    (root / ".env").write_text(env)
    (root / "app.py").write_text("print(1)\n")
    (root / "debug.log").write_text("x\n")
    if gitignore is not None:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        (root / ".gitignore").write_text(gitignore)
        if track_env:
            subprocess.run(["git", "-C", str(root), "add", ".env"], check=True)
    return root


def _fix(root, dockerfile: str = DOCKERFILE):
    out = fix_document(dockerfile, RULES, context_dir=root, path=root / "Dockerfile")
    [finding] = out.findings
    return finding, (out.file_changes[0].after if out.file_changes else None)


@git
def test_git_ignored_env_is_excluded_and_the_message_says_why(tmp_path):
    finding, after = _fix(_context(tmp_path, "NAME=web\n", gitignore=".env\n"))
    assert ".env" in after.splitlines()
    assert "git ignores it" in finding.message


@git
@pytest.mark.parametrize("track", [True, False], ids=["tracked", "untracked-not-ignored"])
def test_env_that_git_does_not_ignore_is_kept(tmp_path, track):
    finding, after = _fix(_context(tmp_path, "API_TOKEN=x\n", gitignore="*.log\n", track_env=track))
    assert ".env" not in after.splitlines() and "**/*.log" in after
    assert "part of the project" in finding.note


def test_outside_git_a_secret_looking_env_is_excluded(tmp_path):
    finding, after = _fix(_context(tmp_path, "# local\nexport DB_PASSWORD=hunter2\nPORT=80\n"))
    assert ".env" in after.splitlines()
    assert "secret-looking keys (DB_PASSWORD)" in finding.message


@pytest.mark.parametrize("env, why", [
    ("PORT=8000\nDEBUG=1\n", "no git work tree"),
    ("VITE_API_KEY=abc\n", "VITE_API_KEY"),
    ("not a dotenv file\n", "KEY=VALUE"),
])
def test_outside_git_other_env_files_are_kept(tmp_path, env, why):
    finding, after = _fix(_context(tmp_path, env))
    assert ".env" not in after.splitlines()
    assert why in finding.note


@pytest.mark.parametrize("line", [
    "COPY ./.env ./\n",
    "COPY .env* ./\n",
    "RUN --mount=type=bind,source=.env,target=/app/.env python app.py --check\n",
    "RUN cp .env.production .env.local\n",
])
def test_env_named_by_the_dockerfile_is_kept(tmp_path, line):
    finding, after = _fix(_context(tmp_path, "API_TOKEN=x\n"), DOCKERFILE.replace("COPY . .\n", line + "COPY . .\n"))
    assert ".env" not in after.splitlines()
    assert "names it" in finding.note
