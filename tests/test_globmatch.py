""".gitignore and .dockerignore patterns are matched in time linear in the path (issue 22,
item 15): the same answers as the regular expressions they replace, without backtracking."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from slimfix.buildcontext.reader import is_ignored, parse_dockerignore
from slimfix.gitignore import GitIgnore
from slimfix.globmatch import ANYTHING, DIRECTORIES, ONE, STAR, Glob, char_class, compile_glob

# (step, its regular expression), the way the two dialects translated them before.
PIECES = [("a", "a"), ("b", "b"), ("/", "/"), (ONE, "[^/]"), (STAR, "[^/]*"), (ANYTHING, ".*"),
          (DIRECTORIES, "(?:.*/)?"), ("[ab]", "[ab]"), ("[!a]", "[^/a]"), ("[a-b]", "[a-b]"),
          ("{!a}", "[^a]"), ("{.-0}", "[.-0]")]  # {...}: a class that may match a slash (BuildKit's)


def _step(piece):
    if isinstance(piece, str) and piece.startswith(("[", "{")):
        negated = piece[1] == "!"
        return char_class(piece[1 + negated:-1], negated, slash=piece[0] == "{")
    return piece


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=6), st.text("ab/.", max_size=9))
def test_a_glob_answers_as_the_regular_expression_it_replaces(pieces, path):
    regex = re.compile("".join(r for _, r in pieces), re.DOTALL)
    prefixes = ["/".join(path.split("/")[: k + 1]) for k in range(len(path.split("/")))]
    steps = [_step(p) for p, _ in pieces]
    for glob in (Glob(steps), compile_glob(steps)):  # compile_glob: a regular expression for one star
        assert glob.fullmatch(path) is (regex.fullmatch(path) is not None)
        assert glob.matches_a_prefix(path) is any(regex.fullmatch(p) for p in prefixes)


def test_a_pathological_pattern_reads_each_character_once_with_few_position_sets():
    glob = Glob([STAR, "a"] * 6 + [STAR, "b"])  # *a*a*a*a*a*a*b: a backtracking matcher's worst case
    name = "a" * 4000
    assert glob.fullmatch(name) is False
    assert glob.steps_taken == len(name)
    assert len(glob._sets) <= 16  # the positions met are remembered, not recomputed per character
    assert glob.fullmatch(name + "b") is True


def test_the_gitignore_and_dockerignore_readers_match_pathological_lines_at_once():
    # Before: `[^/]*a[^/]*a...b` backtracked; 150 characters took 34 s, each further one more.
    long = "a" * 250
    assert GitIgnore(["*a*a*a*a*a*a*b"]).decide(long, True) is None
    assert GitIgnore(["*a*a*a*a*a*a*b"]).decide(long + "b", True) is True
    patterns = parse_dockerignore("**/*a*a*a*a*a*a*b\n")
    assert not is_ignored(patterns, "x/" + long + "/" + long)
    assert is_ignored(patterns, "x/" + long + "b/" + long)
    [pattern] = patterns
    assert pattern.glob.steps_taken <= 2 * (2 + 2 * len(long) + 1)


WALK = """
import os, sys
from slimfix.discovery import discover
root = sys.argv[1]
print(len(discover([root])))
"""


def test_a_walk_past_a_pathological_gitignore_line_ends(tmp_path):
    """The walk runs in the main process, with no time budget: it must never backtrack."""
    long = tmp_path / ("a" * 240)
    long.mkdir()
    (long / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / ".gitignore").write_text("*a*a*a*a*a*a*b\n")
    # Before the fix this ran for many minutes; it now takes a fraction of a second.
    out = subprocess.run([sys.executable, "-c", WALK, str(tmp_path)], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert out.strip() == "1"


def test_dockerfiles_sharing_a_context_with_a_pathological_dockerignore_are_all_checked(tmp_path):
    """The pattern was matched in each worker once per Dockerfile: N Dockerfiles paid the
    per-file time budget N times, and each was skipped."""
    manifest = "a" * 240 + ".txt"
    (tmp_path / manifest).write_text("flask\n")
    (tmp_path / ".dockerignore").write_text("*a*a*a*a*a*a*b\n")
    for name in ("Dockerfile", "api.Dockerfile", "worker.Dockerfile"):
        (tmp_path / name).write_text(textwrap.dedent(f"""\
            FROM python:3.12-slim
            WORKDIR /app
            COPY . .
            RUN pip install --no-cache-dir -r {manifest}
            """))
    proc = subprocess.run([sys.executable, "-m", "slimfix", "--no-cache", "--output-format", "json", "."],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert "time budget" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.count('"code": "SF201"') == 3
