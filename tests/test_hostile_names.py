"""File names and build-context lines that are not UTF-8 or hold control characters:
every report format stays valid, and nothing reaches a terminal raw (issue 22, items 10
and 11)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import unquote_to_bytes
from xml.etree import ElementTree

import pytest
from test_cli import BAD

# Not UTF-8 (\xff), an ANSI colour, a carriage return that would overwrite the line, a
# bell, and the C1 control that some terminals read as the start of a command.
HOSTILE = b"a\xff\x1b[31m\rb\x07\xc2\x9b.Dockerfile"
CONTROLS = ("\x1b", "\r", "\x07", "\x9b")


def run(*args, cwd, strict_streams=False):
    """slimfix with its output as bytes; ``strict_streams``: as in a UTF-8 locale other than
    C, where Python's standard streams refuse what is not UTF-8."""
    env = {**os.environ, "NO_COLOR": "1"}
    if strict_streams:
        env["PYTHONIOENCODING"] = "utf-8:strict"
    proc = subprocess.run([sys.executable, "-m", "slimfix", "--no-cache", *args], cwd=cwd,
                          capture_output=True, env=env)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture
def hostile(tmp_path):
    (tmp_path / os.fsdecode(HOSTILE)).write_text(BAD)
    return tmp_path


def _parsed(fmt: str, text: str):
    if fmt in ("json", "sarif", "gitlab"):
        return json.loads(text)
    if fmt in ("junit", "checkstyle"):
        return ElementTree.fromstring(text.encode("utf-8"))
    return text


def _shows_nothing_raw(text: str) -> None:
    assert not any(c in text for c in CONTROLS), repr(text)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "gitlab", "junit", "checkstyle", "github"])
@pytest.mark.parametrize("strict_streams", [False, True])
def test_every_format_stays_valid_with_a_name_that_is_not_utf8(hostile, fmt, strict_streams):
    code, out, err = run("--output-format", fmt, ".", cwd=hostile, strict_streams=strict_streams)
    assert code == 1, err
    text = out.decode("utf-8")  # strict: the report is UTF-8
    _parsed(fmt, text)
    _shows_nothing_raw(text)
    _shows_nothing_raw(err.decode("utf-8"))
    if fmt == "json":  # JSON's own escapes carry the controls exactly; the byte as text
        assert json.loads(text)[0]["filename"] == "a\\xff\x1b[31m\rb\x07\x9b.Dockerfile"
    elif fmt == "gitlab":
        assert json.loads(text)[0]["location"]["path"] == "a\\xff\x1b[31m\rb\x07\x9b.Dockerfile"
    elif fmt == "github":  # CR in the runner's own escape, so the annotation names the file exactly
        assert "file=a\\xff\\x1b[31m%0Db\\x07\\x9b.Dockerfile," in text
    elif fmt != "sarif":  # shown as a person would type it
        assert "a\\xff\\x1b[31m\\x0db\\x07\\x9b.Dockerfile" in text


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "gitlab", "junit", "checkstyle", "github"])
def test_every_output_file_stays_valid_with_a_name_that_is_not_utf8(hostile, fmt):
    code, _, err = run("--output-format", fmt, "--output-file", "report.out", ".", cwd=hostile)
    assert code == 1, err
    text = (hostile / "report.out").read_bytes().decode("utf-8")
    _parsed(fmt, text)
    _shows_nothing_raw(text)


def test_sarif_uri_carries_the_name_s_own_bytes(hostile):
    _, out, _ = run("--output-format", "sarif", ".", cwd=hostile)
    result = json.loads(out)["runs"][0]["results"][0]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert unquote_to_bytes(uri) == HOSTILE


def test_junit_and_checkstyle_survive_every_control_character(tmp_path):
    name = "c" + "".join(chr(c) for c in range(1, 32) if c != 0x2f) + "\x7f.Dockerfile"
    (tmp_path / name).write_text(BAD)
    for fmt in ("junit", "checkstyle"):
        code, out, err = run("--output-format", fmt, ".", cwd=tmp_path)
        assert code == 1, err
        ElementTree.fromstring(out)


def test_diff_headers_quote_the_name_as_git_does_and_patch_applies_them(hostile, tmp_path):
    code, out, err = run("--diff", ".", cwd=hostile)
    assert code == 1, err
    _shows_nothing_raw(out.decode("utf-8"))
    assert out.startswith(b'--- "a/a\\377\\033[31m\\rb\\007\\302\\233.Dockerfile"\n')
    subprocess.run(["git", "apply", "-p1"], input=out, cwd=hostile, check=True)
    assert b"rm -rf /var/lib/apt/lists/*" in (hostile / os.fsdecode(HOSTILE)).read_bytes()


def test_lines_quoted_from_the_build_context_reach_the_terminal_escaped(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\nCOPY . /app\nWORKDIR /app\n"
                                         "RUN pip install --no-cache-dir -r requirements.txt\n")
    (tmp_path / "requirements.txt").write_bytes(b"flask\n-e ./lib\x1b]0;owned\x07\x1b[2J\n")
    for args in (["."], ["--output-format", "github", "."], ["--output-format", "junit", "."]):
        code, out, err = run(*args, cwd=tmp_path)
        assert b"installs from the source tree" in out, (args, out, err)
        _shows_nothing_raw(out.decode("utf-8"))
        _shows_nothing_raw(err.decode("utf-8"))


def test_messages_on_standard_error_are_escaped(hostile):
    (hostile / os.fsdecode(HOSTILE)).write_text("FROM debian\nENV ONLYKEY\n")  # a parse error names the file
    code, _, err = run(".", cwd=hostile, strict_streams=True)
    assert code == 2
    text = err.decode("utf-8")
    _shows_nothing_raw(text)
    assert "a\\xff\\x1b[31m\\x0db" in text
