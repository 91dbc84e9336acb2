"""The pre-commit hooks match Dockerfiles by file type, as hadolint's hook does, and pick
only files slimfix's own discovery would pick."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

from slimfix.discovery import is_dockerfile_name

BIN = str(Path(sys.executable).parent)

NAMES = ["Dockerfile", "Containerfile", "Dockerfile.dev", "Containerfile.prod", "api.Dockerfile",
         "x/y/Dockerfile", ".dockerignore", "Dockerfile.dockerignore", "README.md", "Dockerfiles/notes.txt",
         "mydockerfile", "compose.yaml", "dockerfile.py", "Dockerfile.bak", "Dockerfile.orig", "Dockerfile.rej",
         "Dockerfile.swp", "Dockerfile.j2", "Dockerfile.tmpl", "Dockerfile.template", "Dockerfile.in",
         "Dockerfile.md", "Dockerfile.sh", "Dockerfile.txt", "Dockerfile~"]
# Names the walk finds that identify's `dockerfile` type does not cover (lower case forms).
DISCOVERY_ONLY = {"dockerfile", "web.dockerfile"}


def _hooks():
    return yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def test_hooks_are_well_formed_and_match_by_type():
    hooks = _hooks()
    assert [h["id"] for h in hooks] == ["slimfix", "slimfix-fix"]
    assert {h["entry"] for h in hooks} == {"slimfix --check", "slimfix --write"}
    for hook in hooks:
        assert hook["language"] == "python"
        assert hook["types"] == ["dockerfile"] and "files" not in hook  # no broad regex


def test_hooks_pick_what_discovery_picks():
    identify = pytest.importorskip("identify.identify")
    for hook in _hooks():
        exclude = re.compile(hook["exclude"])
        for name in NAMES + sorted(DISCOVERY_ONLY):
            tags = identify.tags_from_filename(name.rsplit("/", 1)[-1])
            picked = (set(hook["types"]) <= tags and not tags & set(hook.get("exclude_types", []))
                      and not exclude.search(name))
            found = is_dockerfile_name(name.rsplit("/", 1)[-1])
            if name in DISCOVERY_ONLY:
                assert found and not picked, name
            else:
                assert picked == found, name


@pytest.mark.skipif(shutil.which("git") is None or shutil.which("pre-commit", path=BIN) is None,
                    reason="git or pre-commit is not installed")
def test_the_documented_pre_commit_config_runs_both_hooks_from_a_tag_the_release_steps_made(tmp_path):
    """docs/ci.md's .pre-commit-config.yaml as written, its `repo:` pointed at a copy of this
    repository tagged by docs/releasing.md's steps: pre-commit installs slimfix at that rev
    and both hooks work (the check hook fails on a change due; the fix hook makes it)."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e", "GIT_CONFIG_GLOBAL": os.devnull, "PRE_COMMIT_HOME": str(tmp_path / "cache"),
           "PATH": BIN + os.pathsep + os.environ["PATH"]}
    git = lambda *args, cwd=None: subprocess.run(["git", *args], cwd=cwd, env=env, check=True,  # noqa: E731
                                                 capture_output=True)
    origin, work = tmp_path / "origin.git", tmp_path / "work"
    git("clone", "-q", "--bare", str(ROOT), str(origin))
    git("clone", "-q", str(origin), str(work))
    steps = re.findall(r"```sh\n(.+?)```", (ROOT / "docs" / "releasing.md").read_text(), re.S)[0]
    subprocess.run(["bash", "-e", "-c", steps], cwd=work, env=env, check=True, capture_output=True)
    config = re.findall(r"```yaml\n(# \.pre-commit-config\.yaml\n.+?)```", (ROOT / "docs" / "ci.md").read_text(), re.S)[0]
    config = re.sub(r"(- repo: )\S+", lambda m: m.group(1) + str(origin), config)
    project = tmp_path / "project"
    project.mkdir()
    git("init", "-q", str(project))
    (project / ".pre-commit-config.yaml").write_text(config)
    bad = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n"
    (project / "Dockerfile").write_text(bad)
    git("add", ".", cwd=project)
    check = subprocess.run(["pre-commit", "run", "--all-files"], cwd=project, env=env, capture_output=True, text=True)
    assert check.returncode == 1 and "SF102" in check.stdout, check.stdout + check.stderr
    assert (project / "Dockerfile").read_text() == bad  # the check hook writes nothing
    fixing = config.replace("- id: slimfix        #", "- id: slimfix-fix    #")
    (project / ".pre-commit-config.yaml").write_text(fixing)
    fixed = subprocess.run(["pre-commit", "run", "--all-files", "slimfix-fix"], cwd=project, env=env,
                           capture_output=True, text=True)
    assert fixed.returncode == 1 and "files were modified by this hook" in fixed.stdout, fixed.stdout + fixed.stderr
    assert "rm -rf /var/lib/apt/lists/*" in (project / "Dockerfile").read_text()
    again = subprocess.run(["pre-commit", "run", "--all-files", "slimfix-fix"], cwd=project, env=env,
                           capture_output=True, text=True)
    assert again.returncode == 0, again.stdout  # once fixed, the fix hook passes
