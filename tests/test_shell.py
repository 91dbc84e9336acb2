"""The shell reader: commands, operators, quotes, spans, refusal of what it cannot read."""

from __future__ import annotations

import pytest

from slimfix.shell import ShellSyntaxUnsupported, read_run, read_script
from slimfix.shell.packages import apt_subcommand, program_words
from slimfix.syntax import parse


def argvs(src):
    return [c.argv for c in read_script(src).all_commands()]


def test_commands_and_operators():
    s = read_script("apt-get update && apt-get install -y git || echo no; ls | wc -l")
    assert [c.argv for c in s.commands] == [["apt-get", "update"], ["apt-get", "install", "-y", "git"],
                                            ["echo", "no"], ["ls"], ["wc", "-l"]]
    assert [o.text for o in s.operators] == ["&&", "||", ";", "|"]


def test_quotes_escapes_and_expansions():
    s = read_script("""echo 'a b' "c \\"d\\"" e\\ f $HOME "$(id -u)" `date` ${X:-y}""")
    assert s.commands[0].argv == ["echo", "a b", 'c "d"', "e f", None, None, None, None]


def test_spans_point_into_the_source():
    src = "  apt-get install -y  'git'  # trailing"
    s = read_script(src)
    for w in s.commands[0].words:
        assert src[w.start : w.end] == w.text
    assert s.comments[0].text == "# trailing"
    assert s.last_token.text == "'git'"


def test_hash_inside_a_word_is_not_a_comment():
    s = read_script("echo a#b 'x # y'")
    assert s.commands[0].argv == ["echo", "a#b", "x # y"] and not s.comments


def test_compound_commands_are_followed():
    s = read_script("set -e; if [ -f x ]; then apt-get install -y a; else echo b; fi; "
                    "for p in a b; do echo $p; done; ( cd /x && make ); { echo g; }")
    names = [c.name for c in s.commands]
    assert names == ["set", "[", "apt-get", "echo", "echo", "cd", "make", "echo"]
    assert s.compound
    assert [c.compound for c in s.commands][:3] == [False, True, True]


def test_sh_c_strings_are_read_with_mapped_offsets():
    src = "sh -c 'apt-get update && apt-get install -y x'"
    s = read_script(src, base=10)
    inner = s.nested[0]
    assert [c.argv for c in inner.commands] == [["apt-get", "update"], ["apt-get", "install", "-y", "x"]]
    first = inner.commands[0].words[0]
    assert src[inner.base - 10 + first.start : inner.base - 10 + first.end] == "apt-get"


def test_redirections_are_not_arguments():
    s = read_script("curl -o /x http://h 2>/dev/null >>log && cat <<<word")
    assert s.commands[0].argv == ["curl", "-o", "/x", "http://h"]
    assert s.commands[1].argv == ["cat"]


def test_here_document_bodies_are_skipped_in_scripts():
    s = read_script("cat <<EOF > /x\nnot; a | command\nEOF\necho after\n")
    assert [c.argv for c in s.commands] == [["cat"], ["echo", "after"]]


def test_background_job():
    assert read_script("sleep 1 &").ends_in_background
    assert not read_script("a && b").ends_in_background


def test_case_statements_are_followed():
    s = read_script("apt-get install -y curl && case $(uname -m) in \\\n aarch64|arm64) export A=arm ;; "
                    "(x86_64) export A=x64; echo $A ;; *) exit 1 ;; esac && rm -rf /tmp/x")
    assert [c.name for c in s.commands] == ["apt-get", "export", "export", "echo", "exit", "rm"]
    assert [c.compound for c in s.commands] == [False, True, True, True, True, False]
    assert [c.name for c in read_script("case a in b) echo b;; c) echo c; esac").commands] == ["echo", "echo"]


@pytest.mark.parametrize("src", ["echo 'open", 'echo "open', "echo $(open", "echo `open",
                                 "case $x in a) echo;;", "echo ;; x", "f() { echo; }",
                                 "if true; then echo", "cat <<EOF"])
def test_refuses_what_it_cannot_read(src):
    with pytest.raises(ShellSyntaxUnsupported):
        read_script(src)


def test_apt_through_wrappers_and_options():
    cmds = read_script("DEBIAN_FRONTEND=noninteractive sudo -E apt-get -o A=B -qq install -y x; "
                       "env X=1 apt update; aptitude build-dep y; apt-get --help").commands
    assert [apt_subcommand(c) for c in cmds] == ["install", "update", "build-dep", None]
    assert program_words(cmds[0])[0] == "apt-get"


def test_run_views():
    doc = parse("FROM a\nRUN <<EOF\nset -e\napt-get update\nEOF\nRUN python3 <<PY\nimport os\nPY\n"
                "RUN [\"apt-get\", \"update\"]\nRUN echo \\\n  hi\n")
    script_run, python_run, exec_run, line_run = doc.instructions[1:]
    assert [c.argv for c in read_run(script_run).commands()] == [["set", "-e"], ["apt-get", "update"]]
    py = read_run(python_run)
    assert py.heredoc_scripts == [] and py.opaque_heredocs[0].name == "PY"
    assert read_run(exec_run) is None
    line = read_run(line_run).line
    word = line.commands[0].words[1]
    logical = line_run.logical
    assert doc.text[logical.to_file(line.base + word.start) : logical.end_to_file(line.base + word.end)] == "hi"
