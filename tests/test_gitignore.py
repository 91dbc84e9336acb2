"""The walk skips what git skips: .gitignore files read by slimfix.gitignore, checked
against git itself (``git ls-files --others --exclude-standard``) on generated trees."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slimfix.discovery import discover
from slimfix.gitignore import GitIgnore, PathPatterns

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

DIRS = ["a", "b", "a/b", "b/a", "build", "a/build", "build/b", "a/b/c", "x.dev"]
FILES = ["Dockerfile", "Dockerfile.dev", "app.dockerfile", "Containerfile"]
LINES = [
    # plain names and paths (matched without regular expressions)
    "a", "a/", "/a", "/a/", "b", "b/", "a/b", "/a/b/", "build", "/build", "build/", "c/",
    "Dockerfile", "/Dockerfile", "a/Dockerfile", "Dockerfile.dev", "x.dev", "x.dev/",
    "*.dev", "*.dev/", "*.dockerfile", "!Dockerfile", "!a", "!a/", "!b/", "!/build",
    "!Dockerfile.dev", "!*.dev", "!a/b", "a/b/c",
    # everything else (matched through globmatch)
    "a/**", "**/b", "**/b/", "a/*", "Dockerfile*", "*", "!*/", "b/**/c", "[ab]/", "?", "?/",
    "build ", "\\!a", "#a", "", "   ", "*file", "a/**/Dockerfile", "!a/**", "**", "[!a]/", "a/**/",
    "[a-b]", "b/*/c", "!**/c", "**/a/**", "Docker?ile", "*.dev ", "[]a]", "[z-a]", "x.de[", "*/b",
    "/*", "*/", "!*/", "a**", "**b", "\\*", "Dockerfile\\ ",
]
_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def _git_untracked(root: Path) -> set[str]:
    out = subprocess.run(["git", "ls-files", "--others", "--exclude-standard", "-z"], cwd=root, env=_ENV,
                         capture_output=True, check=True).stdout.decode()
    return {p for p in out.split("\0") if p and not p.endswith(".gitignore")}


tree = st.fixed_dictionaries({
    "files": st.lists(st.tuples(st.sampled_from([""] + DIRS), st.sampled_from(FILES)), min_size=1, max_size=10),
    "ignores": st.dictionaries(st.sampled_from(["", "a", "b", "a/b"]), st.lists(st.sampled_from(LINES), max_size=6),
                               max_size=3),
})


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree)
def test_walk_skips_what_git_skips(tmp_path_factory, spec):
    root = tmp_path_factory.mktemp("tree")
    subprocess.run(["git", "init", "-q", str(root)], env=_ENV, check=True)
    for directory, name in spec["files"]:
        (root / directory).mkdir(parents=True, exist_ok=True)
        (root / directory / name).write_text("FROM scratch\n")
    for directory, lines in spec["ignores"].items():
        (root / directory).mkdir(parents=True, exist_ok=True)
        (root / directory / ".gitignore").write_text("".join(line + "\n" for line in lines))
    assert set(discover([str(root)])) == {str(root / p) for p in _git_untracked(root)}


@pytest.mark.parametrize(("lines", "rel", "is_dir", "expected"), [
    (["build/"], "build", True, True),
    (["build/"], "build", False, None),  # a file named build
    (["/build"], "a/build", True, None),  # anchored to the .gitignore's folder
    (["build"], "a/build", False, True),
    (["a/b"], "x/a/b", False, None),  # a middle slash anchors too
    (["*.dev"], "Dockerfile.dev", False, True),
    (["*.dev", "!Dockerfile.dev"], "Dockerfile.dev", False, False),  # the last line wins
    (["!Dockerfile.dev", "*.dev"], "Dockerfile.dev", False, True),
    (["a/**"], "a/b/c", False, True),
    (["**/b"], "a/b", True, True),
    (["# a", "", "a "], "a", False, True),  # a comment, a blank line, a trailing space
    (["..", "./a"], "a", False, None),  # no component of dots matches
    (["a[/]b"], "a/b", False, None),  # a class never matches a slash
])
def test_lines(lines, rel, is_dir, expected):
    assert GitIgnore(lines).decide(rel, is_dir) is expected


def test_a_bom_and_crlf_line_ends_are_read_as_git_reads_them(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], env=_ENV, check=True)
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / ".gitignore").write_bytes(b"\xef\xbb\xbfa/\r\nc\r\nb\x0cx\n")  # a form feed splits nothing
    assert set(discover([str(tmp_path)])) == {str(tmp_path / p) for p in _git_untracked(tmp_path)}
    assert discover([str(tmp_path)]) == [str(tmp_path / "b" / "Dockerfile")]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=5),
       st.lists(st.tuples(st.sampled_from([""] + DIRS), st.sampled_from(FILES)), min_size=1, max_size=8))
def test_settings_globs_match_what_git_ignores(tmp_path_factory, lines, files):
    """``exclude``, ``contexts`` and ``per-file-ignores`` (PathPatterns): a path matches
    exactly when git, given the lines as the root's .gitignore, ignores the file."""
    root = tmp_path_factory.mktemp("globs")
    subprocess.run(["git", "init", "-q", str(root)], env=_ENV, check=True)
    paths = {f"{d}/{n}" if d else n for d, n in files}
    for p in paths:
        (root / p).parent.mkdir(parents=True, exist_ok=True)
        (root / p).write_text("FROM scratch\n")
    (root / ".gitignore").write_text("".join(line + "\n" for line in lines))
    patterns = PathPatterns(lines)
    untracked = _git_untracked(root)
    assert {p for p in paths if patterns.match_file(p)} == paths - untracked


def test_settings_globs_take_linear_time():
    """pathspec's regular expression for this took minutes on a long name."""
    patterns = PathPatterns(["*a*a*a*a*a*a*a*a*a*a*b"])
    name = "a" * 5000
    start = time.process_time()
    assert not patterns.match_file(f"{name}/{name}/Dockerfile")
    assert time.process_time() - start < 5
