"""The CI recipes of docs/ci.md, run as written in a checkout a pull request controls: a
file named ``$(touch PWNED).Dockerfile`` runs nothing, and a link named like a report is
never written through (issue 22, items 18 and 20)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from test_cli import BAD

pytestmark = pytest.mark.skipif(not (shutil.which("git") and shutil.which("jq")), reason="needs git and jq")

CI = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
HOSTILE = "$(touch PWNED).Dockerfile"
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def _blocks(language: str, needle: str) -> list[str]:
    return [b for b in re.findall(rf"```{language}\n(.+?)```", CI, re.S) if needle in b]


def _sh(script: str, cwd: Path, **env_vars: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **GIT_ENV, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"],
           **env_vars}
    return subprocess.run(["sh", "-c", script], cwd=cwd, env=env, capture_output=True, text=True)


@pytest.fixture
def pull_request(tmp_path):
    """A checkout whose second commit adds a Dockerfile with a hostile name and a link
    named like the GitLab report, pointing at a file of the runner."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (tmp_path / "victim").write_text("precious\n")
    for args in (["init", "-q", "-b", "main"], ["commit", "-q", "--allow-empty", "-m", "base"]):
        subprocess.run(["git", *args], cwd=repo, env={**os.environ, **GIT_ENV}, check=True)
    (repo / HOSTILE).write_text(BAD)
    (repo / "gl-code-quality-report.json").symlink_to(tmp_path / "victim")
    (repo / "slimfix.sarif").symlink_to(tmp_path / "victim")
    for args in (["add", "-A"], ["commit", "-q", "-m", "pr"]):
        subprocess.run(["git", *args], cwd=repo, env={**os.environ, **GIT_ENV}, check=True)
    return repo


def _untouched(repo: Path) -> None:
    assert not list(repo.parent.rglob("PWNED"))
    assert (repo.parent / "victim").read_text() == "precious\n"


def test_the_gitlab_job_writes_its_report_anew_not_through_a_link(pull_request):
    [job] = _blocks("yaml", ".gitlab-ci.yml")
    script = yaml.safe_load(job)["slimfix"]["script"]
    report_lines = [line for line in script if "gl-code-quality-report.json" in line]
    assert report_lines, script
    proc = _sh("set -e\n" + "\n".join(report_lines), pull_request)
    assert proc.returncode == 0, proc.stderr
    _untouched(pull_request)
    report = pull_request / "gl-code-quality-report.json"
    assert not report.is_symlink()
    assert {i["location"]["path"] for i in json.loads(report.read_text())} == {HOSTILE}


def test_names_from_the_gitlab_report_reach_slimfix_as_arguments(pull_request):
    _sh("rm gl-code-quality-report.json; slimfix --output-format gitlab . > gl-code-quality-report.json",
        pull_request)
    [recipe] = _blocks("sh", "jq ")
    proc = _sh(recipe, pull_request)
    _untouched(pull_request)
    assert f"+++ b/{HOSTILE}" in proc.stdout, proc.stderr


@pytest.mark.parametrize("needle", ["CI_MERGE_REQUEST_DIFF_BASE_SHA", "GITHUB_BASE_REF"])
def test_the_changed_files_recipes_pass_names_as_arguments(pull_request, needle):
    base = subprocess.run(["git", "rev-parse", "HEAD~1"], cwd=pull_request, capture_output=True, text=True,
                          check=True).stdout.strip()
    subprocess.run(["git", "update-ref", "refs/remotes/origin/main", base], cwd=pull_request, check=True)
    [recipe] = _blocks("sh", needle)
    proc = _sh(recipe, pull_request, CI_MERGE_REQUEST_DIFF_BASE_SHA=base, GITHUB_BASE_REF="main")
    _untouched(pull_request)
    assert HOSTILE in proc.stdout + proc.stderr and "SF102" in proc.stdout + proc.stderr, proc.stderr


def test_the_github_sarif_recipe_writes_outside_the_checkout(pull_request, tmp_path):
    [recipe] = [line.removeprefix("      - run: ") for line in CI.splitlines()
                if line.startswith("      - run: slimfix --output-format sarif")]
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    proc = _sh(recipe, pull_request, RUNNER_TEMP=str(runner_temp))
    assert proc.returncode == 0, proc.stderr
    _untouched(pull_request)
    assert json.loads((runner_temp / "slimfix.sarif").read_text())["runs"][0]["results"]
