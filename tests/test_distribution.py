"""What slimfix ships beside the package: the GitHub Action, its own container image,
the loop over many repositories in docs/many-repos.md, and the CHANGELOG's version."""

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
from test_cli import BAD, GOOD

import slimfix

BIN = str(Path(sys.executable).parent)


def _action():
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def test_action_is_a_composite_with_the_documented_inputs():
    action = _action()
    assert action["runs"]["using"] == "composite"
    # no "version": slimfix is on no package index, the action installs its own checkout
    assert set(action["inputs"]) == {"paths", "mode", "args", "sarif"}
    uses = [s["uses"] for s in action["runs"]["steps"] if "uses" in s]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    # inputs reach the shell through the environment, never spliced into the script
    assert not any("${{ inputs" in s.get("run", "") for s in action["runs"]["steps"])


def _step(name: str) -> str:
    return next(s["run"] for s in _action()["runs"]["steps"] if s.get("name") == name)


def _run_step(name: str, cwd: Path, **env_vars: str) -> subprocess.CompletedProcess:
    """An Action step's script as the runner runs it: bash, the inputs in the environment."""
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"], "ACTION_PATH": str(ROOT), **env_vars}
    return subprocess.run(["bash", "-e", "-c", _step(name)], cwd=cwd, env=env, capture_output=True, text=True)


@pytest.mark.parametrize("mode, text, status", [
    ("check", BAD, 1), ("check", GOOD, 0), ("diff", BAD, 1), ("write", BAD, 0), ("bogus", BAD, 2)])
def test_the_actions_check_step_runs_slimfix_in_the_chosen_mode(tmp_path, mode, text, status):
    (tmp_path / "Dockerfile").write_text(text)
    outputs = tmp_path / "github-output"
    outputs.write_text("")
    proc = _run_step("slimfix", tmp_path, SLIMFIX_MODE=mode, SLIMFIX_PATHS=".", SLIMFIX_ARGS="--select SF102",
                     GITHUB_OUTPUT=str(outputs))
    assert proc.returncode == status, proc.stderr
    changed = status == 1 or mode == "write"
    # Every mode shows the patch in the log; check annotates the findings too.
    assert ("+++ b/Dockerfile" in proc.stdout) is changed
    assert ("::warning file=Dockerfile," in proc.stdout) is (mode == "check" and changed)
    if mode == "write":
        assert (tmp_path / "Dockerfile").read_text() == GOOD
        assert outputs.read_text() == "changed=true\n"  # for a later step to commit or open a pull request


def test_the_action_leaves_the_jobs_python_alone_and_uploads_sarif_only_where_the_token_can():
    steps = _action()["runs"]["steps"]
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["update-environment"] is False
    upload = next(s for s in steps if s.get("name") == "Upload SARIF")
    assert "github.event.pull_request.head.repo.full_name == github.repository" in upload["if"]
    assert set(_action()["outputs"]) == {"changed", "sarif-file"}


def test_the_action_writes_nothing_and_says_so_when_nothing_changes(tmp_path):
    (tmp_path / "Dockerfile").write_text(GOOD)
    outputs = tmp_path / "github-output"
    outputs.write_text("")
    proc = _run_step("slimfix", tmp_path, SLIMFIX_MODE="write", SLIMFIX_PATHS=".", SLIMFIX_ARGS="",
                     GITHUB_OUTPUT=str(outputs))
    assert proc.returncode == 0 and outputs.read_text() == "changed=false\n", proc.stderr


def test_the_action_reads_a_changed_file_named_like_an_option_as_a_file(tmp_path):
    """paths often lists a pull request's changed files: one named --exit-zero once turned
    the check green."""
    (tmp_path / "Dockerfile").write_text(BAD)
    (tmp_path / "--exit-zero").write_text(GOOD)
    proc = _run_step("slimfix", tmp_path, SLIMFIX_MODE="check", SLIMFIX_PATHS="Dockerfile\n--exit-zero\n",
                     SLIMFIX_ARGS="")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "::warning file=Dockerfile," in proc.stdout


def test_the_action_neither_splits_nor_globs_paths(tmp_path):
    (tmp_path / "my app").mkdir()
    (tmp_path / "my app" / "Dockerfile").write_text(BAD)
    proc = _run_step("slimfix", tmp_path, SLIMFIX_MODE="check", SLIMFIX_PATHS="my app/Dockerfile", SLIMFIX_ARGS="")
    assert proc.returncode == 1 and "::warning file=my app/Dockerfile," in proc.stdout, proc.stderr
    proc = _run_step("slimfix", tmp_path, SLIMFIX_MODE="check", SLIMFIX_PATHS="*/Dockerfile", SLIMFIX_ARGS="")
    assert proc.returncode == 2 and "*/Dockerfile: no such file or directory" in proc.stderr, proc.stderr


def test_the_action_reads_args_as_a_list_of_words_with_nothing_expanded(tmp_path):
    (tmp_path / "Dockerfile").write_text(BAD)
    proc = _run_step("slimfix", tmp_path, SLIMFIX_MODE="check", SLIMFIX_PATHS=".",
                     SLIMFIX_ARGS="--select 'SF102' --exclude 'a b'")
    assert proc.returncode == 1, proc.stderr  # quotes group words, as in a shell
    (tmp_path / "SF101").write_text("")  # what the glob SF10? would expand to
    proc = _run_step("slimfix", tmp_path, SLIMFIX_MODE="check", SLIMFIX_PATHS=".", SLIMFIX_ARGS="--select SF10?")
    assert proc.returncode == 2 and "SF10?" in proc.stderr, proc.stderr  # the code as written, not expanded


def test_the_actions_sarif_report_never_goes_through_a_link_in_the_checkout(tmp_path):
    """A pull request can add slimfix.sarif as a link to a file of the runner: the report
    goes to a new folder in the runner's temporary folder instead."""
    import json

    work, runner_temp, victim = tmp_path / "work", tmp_path / "runner-temp", tmp_path / "victim"
    work.mkdir()
    runner_temp.mkdir()
    victim.write_text("precious\n")
    (work / "Dockerfile").write_text(BAD)
    (work / "slimfix.sarif").symlink_to(victim)
    outputs = tmp_path / "github-output"
    outputs.write_text("")
    proc = _run_step("slimfix (SARIF for code scanning)", work, SLIMFIX_PATHS=".", SLIMFIX_ARGS="",
                     RUNNER_TEMP=str(runner_temp), GITHUB_OUTPUT=str(outputs))
    assert proc.returncode == 0, proc.stderr
    assert victim.read_text() == "precious\n"
    [line] = outputs.read_text().splitlines()
    report = Path(line.removeprefix("file="))
    assert report.parent.parent == runner_temp
    assert json.loads(report.read_text())["runs"][0]["results"]
    upload = next(s for s in _action()["runs"]["steps"] if s.get("name") == "Upload SARIF")
    assert upload["with"]["sarif_file"] == "${{ steps.sarif.outputs.file }}"


def test_slimfix_leaves_its_own_image_unchanged():
    proc = subprocess.run([sys.executable, "-m", "slimfix", "--check", "--unsafe-fixes", "Dockerfile"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = (ROOT / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (.+) \S+$", text, re.M):
        assert all((ROOT / s).exists() for s in source.split())


def test_the_changelog_names_the_package_version():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(slimfix.__version__)}$", changelog, re.M)
    ci = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    assert f"rev: v{slimfix.__version__}" in ci and f"/slimfix@v{slimfix.__version__}" in ci


def test_no_document_installs_slimfix_from_a_package_index_it_is_not_on():
    for doc in [ROOT / "README.md", ROOT / "action.yml", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        assert not re.search(r"pip install (--\S+ )*slimfix\b(?![\[/.-])", text), doc.name
        assert "your-org/" not in text and "slimfix==" not in text, doc.name


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_release_steps_make_the_tag_the_docs_name(tmp_path):
    """docs/releasing.md's tag step, run as written in a clone: the tag exists and names
    the version, so `rev: vX.Y.Z` and `@vX.Y.Z` resolve."""
    steps = re.findall(r"```sh\n(.+?)```", (ROOT / "docs" / "releasing.md").read_text(), re.S)[0]
    clone = tmp_path / "clone"
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e", "GIT_CONFIG_GLOBAL": os.devnull, "PATH": BIN + os.pathsep + os.environ["PATH"]}
    subprocess.run(["git", "clone", "-q", "--bare", str(ROOT), str(tmp_path / "origin.git")], check=True, env=env)
    subprocess.run(["git", "clone", "-q", str(tmp_path / "origin.git"), str(clone)], check=True, env=env)
    proc = subprocess.run(["bash", "-e", "-c", steps], cwd=clone, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    tag = f"v{slimfix.__version__}"
    shown = subprocess.run(["git", "--git-dir", str(tmp_path / "origin.git"), "show", f"{tag}:slimfix/__init__.py"],
                           capture_output=True, text=True, env=env)
    assert f'__version__ = "{slimfix.__version__}"' in shown.stdout  # pushed where pre-commit fetches it


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_many_repositories_loop_makes_one_branch_and_commit_where_slimfix_changed(tmp_path):
    loop = re.findall(r"```sh\n(for repo in .+?)```", (ROOT / "docs" / "many-repos.md").read_text(), re.S)[0]
    git_env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
               "GIT_COMMITTER_EMAIL": "t@e", "GIT_CONFIG_GLOBAL": os.devnull}
    env = {**os.environ, **git_env, "PATH": BIN + os.pathsep + os.environ["PATH"]}
    for name, text in (("needs-fix", BAD), ("clean", GOOD)):
        repo = tmp_path / name
        repo.mkdir()
        (repo / "Dockerfile").write_text(text)
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "start"]):
            subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    proc = subprocess.run(["bash", "-c", loop], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == "changed: needs-fix/", proc.stderr

    def git(repo, *args):
        return subprocess.run(["git", *args], cwd=tmp_path / repo, env=env, capture_output=True, text=True).stdout

    assert git("needs-fix", "branch", "--show-current").strip() == "slimfix"
    assert git("needs-fix", "rev-list", "--count", "main..slimfix").strip() == "1"
    assert "rm -rf /var/lib/apt/lists/*" in git("needs-fix", "show", "slimfix:Dockerfile")
    assert git("clean", "branch", "--list", "slimfix").strip() == ""
