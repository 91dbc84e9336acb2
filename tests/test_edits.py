"""The edits layer on its own: the exact text it writes into a RUN, a join, a moved block."""

from __future__ import annotations

import pytest

from slimfix.edits import (CannotEdit, append_command, block_text, end_with_blank_collapsed, insert_after,
                           join_runs, leading_comments_start)
from slimfix.fixes import apply_edits
from slimfix.shell import read_run
from slimfix.syntax import parse

CLEAN = "rm -rf /var/lib/apt/lists/*"


def _append(text: str, command: str = CLEAN, index: int = 1) -> str:
    doc = parse(text)
    inst = doc.instructions[index]
    edit = append_command(doc, inst, read_run(inst), command)
    return apply_edits(text, [edit]).text


@pytest.mark.parametrize("before, after", [
    ("FROM d\nRUN apt-get update && apt-get install -y git\n",
     f"FROM d\nRUN apt-get update && apt-get install -y git && {CLEAN}\n"),
    # before a trailing comment, which would otherwise swallow the command
    ("FROM d\nRUN apt-get install -y git  # vcs\n",
     f"FROM d\nRUN apt-get install -y git && {CLEAN}  # vcs\n"),
    # trailing `&&` style, indentation of the last command's line
    ("FROM d\nRUN apt-get update && \\\n    apt-get install -y git\n",
     f"FROM d\nRUN apt-get update && \\\n    apt-get install -y git && \\\n    {CLEAN}\n"),
    # leading `&&` style
    ("FROM d\nRUN apt-get update \\\n  && apt-get install -y git\n",
     f"FROM d\nRUN apt-get update \\\n  && apt-get install -y git \\\n  && {CLEAN}\n"),
    # CRLF stays CRLF
    ("FROM d\r\nRUN apt-get update && \\\r\n    apt-get install -y git\r\n",
     f"FROM d\r\nRUN apt-get update && \\\r\n    apt-get install -y git && \\\r\n    {CLEAN}\r\n"),
    # the backtick escape continues the new line too
    ("# escape=`\nFROM d\nRUN apt-get update && `\n    apt-get install -y git\n",
     f"# escape=`\nFROM d\nRUN apt-get update && `\n    apt-get install -y git && `\n    {CLEAN}\n"),
    # no final newline
    ("FROM d\nRUN apt-get update", f"FROM d\nRUN apt-get update && {CLEAN}"),
])
def test_append_command_in_the_files_style(before, after):
    assert _append(before) == after


def test_append_to_heredoc_with_errexit_adds_a_line():
    text = "FROM d\nRUN <<EOF\nset -e\napt-get update\nEOF\n"
    assert _append(text) == f"FROM d\nRUN <<EOF\nset -e\napt-get update\n{CLEAN}\nEOF\n"


def test_append_to_heredoc_without_errexit_chains_the_last_command():
    # A new last line would hide the exit status of the line before it.
    text = "FROM d\nRUN <<EOF\napt-get update\nEOF\n"
    assert _append(text) == f"FROM d\nRUN <<EOF\napt-get update && {CLEAN}\nEOF\n"


@pytest.mark.parametrize("text, reason", [
    ("FROM d\nRUN apt-get update &\n", "background"),
    ("FROM d\nRUN f() { :; }; apt-get update\n", "could not be read"),
])
def test_append_refuses_what_it_cannot_write_safely(text, reason):
    with pytest.raises(CannotEdit, match=reason):
        _append(text)


def test_insert_after_a_token():
    text = "FROM d\nRUN apt-get install -y git\n"
    doc = parse(text)
    inst = doc.instructions[1]
    cmd = read_run(inst).commands()[0]
    edit = insert_after(inst, cmd, cmd.words[1], " --no-install-recommends")
    assert apply_edits(text, [edit]).text == "FROM d\nRUN apt-get install --no-install-recommends -y git\n"


def test_join_runs_keeps_comments_between_as_continuation_comments():
    text = "FROM d\nRUN apt-get update  # refresh\n# the tools\n\nRUN apt-get install -y git\n"
    doc = parse(text)
    a, b = doc.instructions[1], doc.instructions[2]
    edit = join_runs(doc, a, read_run(a).line, b, read_run(b).line)
    assert apply_edits(text, [edit]).text == (
        "FROM d\nRUN apt-get update && \\\n    # refresh\n    # the tools\n    apt-get install -y git\n")
    assert parse(apply_edits(text, [edit]).text).instructions[1].command.args == \
        "apt-get update &&     apt-get install -y git"


def test_join_runs_follows_the_second_runs_leading_style():
    text = "FROM d\nRUN apt-get update\nRUN apt-get install -y \\\n  git \\\n  && true\n"
    doc = parse(text)
    a, b = doc.instructions[1], doc.instructions[2]
    out = apply_edits(text, [join_runs(doc, a, read_run(a).line, b, read_run(b).line)]).text
    assert out == "FROM d\nRUN apt-get update \\\n  && apt-get install -y \\\n  git \\\n  && true\n"


def test_blocks_take_their_comments_and_collapse_a_double_blank():
    text = "FROM d\n\n# the app\nCOPY . .\n\nRUN true\n"
    doc = parse(text)
    copy = doc.instructions[1]
    start = leading_comments_start(doc, copy)
    assert text[start:].startswith("# the app\n")
    assert block_text(doc, start, copy) == "# the app\nCOPY . .\n"
    end = end_with_blank_collapsed(doc, start, copy)
    assert text[:start] + text[end:] == "FROM d\n\nRUN true\n"


def test_block_text_ends_with_a_line_break_at_the_end_of_the_file():
    text = "FROM d\r\nCOPY . ."
    doc = parse(text)
    copy = doc.instructions[1]
    assert block_text(doc, copy.span.start, copy) == "COPY . .\r\n"


def test_a_block_is_not_moved_where_a_comment_would_become_a_directive():
    doc = parse("COPY . /app\n# escape=`\nUSER app\n")
    with pytest.raises(CannotEdit, match="parser directive"):
        end_with_blank_collapsed(doc, 0, doc.instructions[0])
    doc = parse("# syntax=docker/dockerfile:1\nFROM d\n# a comment\nRUN true\n")
    assert end_with_blank_collapsed(doc, doc.instructions[0].span.start, doc.instructions[0]) == \
        doc.instructions[0].span.end
