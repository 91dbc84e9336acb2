"""The lossless model: round trip, structure, logical text and its map, errors."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, dockerfile_fixtures, fixture_id, read

import slimfix
from slimfix.syntax import Instruction, LineKind, ParseError, TriviaKind, parse


@pytest.mark.parametrize("path", dockerfile_fixtures(), ids=fixture_id)
def test_round_trip_every_fixture(path):
    text = read(path)
    doc = parse(text)
    assert str(doc) == text
    assert "".join(chunk for _, chunk in doc.iter_nodes()) == text
    # nodes tile the text: contiguous, no gap, no overlap
    pos = 0
    for node in doc.nodes:
        assert node.span.start == pos
        pos = node.span.end
    assert pos == len(text)


@pytest.mark.parametrize("path", dockerfile_fixtures(), ids=fixture_id)
def test_logical_text_maps_back_to_the_file(path):
    doc = parse(read(path))
    for inst in doc.instructions:
        logical = inst.logical
        for lstart, fstart, length in logical.pieces:
            assert logical.text[lstart : lstart + length] == doc.text[fstart : fstart + length]
            assert inst.span.start <= fstart and fstart + length <= inst.span.end


def test_public_api_parse_gives_text_back():
    text = "FROM alpine\r\nRUN echo hi\r\n"
    doc = slimfix.parse(text)
    assert doc.text == text and str(doc) == text


def _only(doc, keyword) -> Instruction:
    found = [i for i in doc.instructions if i.keyword == keyword]
    assert len(found) == 1
    return found[0]


def test_continuation_drops_comment_and_blank_lines_and_keeps_indentation():
    doc = parse(read(FIXTURES / "syntax" / "continuation-comments.Dockerfile"))
    run = doc.instructions[1]
    # `\` followed by spaces still continues, so the next line joins this RUN
    assert run.args == ("apt-get update     && apt-get install -y gcc         make     && echo done   "
                        "RUN echo next")
    kinds = [ln.kind for ln in run.lines]
    assert kinds == [LineKind.CODE, LineKind.COMMENT, LineKind.CODE, LineKind.BLANK, LineKind.BLANK,
                     LineKind.COMMENT, LineKind.CODE, LineKind.CODE, LineKind.CODE]
    assert len(doc.instructions) == 2


def test_backtick_escape_directive_changes_continuations():
    doc = parse(read(FIXTURES / "syntax" / "backtick-escape.Dockerfile"))
    assert doc.escape == "`"
    assert doc.directives == {"escape": "`"}
    run = _only(doc, "RUN")
    assert run.args == "Write-Host hello;     Write-Host C:\\path\\     ; Write-Host done"
    assert _only(doc, "COPY").values() == (".", "C:\\app\\")
    assert doc.newline == "\r\n"


def test_directives_end_at_first_non_directive():
    doc = parse(read(FIXTURES / "syntax" / "directives.Dockerfile"))
    assert doc.directives == {"syntax": "docker/dockerfile:1.7", "escape": "\\", "check": "skip=all"}
    assert doc.escape == "\\"  # the later `# escape=`` is only a comment
    kinds = [n.kind for n in doc.nodes[:5]]
    assert kinds == [TriviaKind.DIRECTIVE] * 3 + [TriviaKind.COMMENT] * 2


def test_heredocs_several_per_line_chomp_quoted_fd():
    doc = parse(read(FIXTURES / "syntax" / "heredocs.Dockerfile"))
    run = doc.instructions[1]
    assert [(h.name, h.fd, h.chomp, h.expand) for h in run.heredocs] == [
        ("EOF", 0, False, True), ("E2", 0, True, False), ("E3", 3, False, False)]
    assert [h.content for h in run.heredocs] == ["echo one\n", "\tindented\n", "raw $body\n"]
    for h in run.heredocs:
        assert doc.text[h.body.start : h.body.end] == h.content
        assert doc.text[h.terminator.start : h.terminator.end].strip("\t\n") == h.name
    copy = doc.instructions[2]
    assert copy.heredocs[0].name == "EOT" and copy.heredocs[0].content == "\thello\n"
    script = doc.instructions[3]
    assert "# not a comment" in script.heredocs[0].content  # bodies are raw
    assert script.heredocs[0].content.endswith("apt-get update \\\n")
    assert doc.instructions[-1].keyword == "ENV"  # right after a terminator


def test_heredoc_with_space_after_marker_follows_current_buildkit():
    doc = parse(read(FIXTURES / "syntax" / "heredoc-spaced.Dockerfile"))
    assert doc.instructions[1].heredocs[0].name == "EOF"


def test_json_form_and_its_fallback():
    doc = parse(read(FIXTURES / "syntax" / "json-form.Dockerfile"))
    by_line = {i.start_line: i for i in doc.instructions}
    assert by_line[2].is_json and by_line[2].values() == ("echo", 'a "quoted" \u2603')
    assert by_line[3].values() == ("/bin/sh", "-c")
    assert not by_line[4].is_json and by_line[4].values() == ("[ 'not', 'json' ]",)
    assert by_line[5].values() == ("a b", "c", "/dst/")
    assert by_line[7].is_json and by_line[7].values() == ("CMD", "curl", "-f", "http://localhost")
    assert not by_line[9].is_json  # trailing text: current BuildKit falls back to shell form


def test_flags_are_split_with_spans():
    doc = parse(read(FIXTURES / "syntax" / "flags.Dockerfile"))
    run = doc.instructions[1]
    assert [f.name for f in run.flags] == ["mount", "mount"]
    assert run.flags[0].option("target") == ["/root/.cache/go-build"]
    for f in run.flags:
        assert run.logical.text[f.span.start : f.span.end] == f.text
    add = doc.instructions[3]
    # a quoted word does not start with `--`, so flags end there
    assert [f.text for f in add.flags] == ["--checksum=sha256:abc"]
    assert add.args.startswith('"--keep-git-dir"')
    assert doc.instructions[4].flags == () and doc.instructions[4].args == "--not-a-flag"
    assert doc.instructions[5].args == 'echo "--quoted"'


def test_onbuild_exposes_its_trigger():
    doc = parse(read(FIXTURES / "syntax" / "onbuild.Dockerfile"))
    triggers = [i.effective for i in doc.instructions if i.keyword == "ONBUILD"]
    assert [t.name for t in triggers] == ["COPY", "RUN", "RUN"]
    assert triggers[1].args == "pip install -r /app/requirements.txt"


def test_bom_crlf_mixed_and_missing_final_newline():
    bom = parse(read(FIXTURES / "syntax" / "bom.Dockerfile"))
    assert bom.nodes[0].kind is TriviaKind.BOM and bom.escape == "`"
    assert bom.instructions[1].args == "echo a     b"
    mixed = parse(read(FIXTURES / "syntax" / "mixed-endings.Dockerfile"))
    assert mixed.instructions[1].args == "echo a     b"
    assert mixed.instructions[3].args == "echo"  # every trailing CR goes
    last = parse(read(FIXTURES / "syntax" / "no-final-newline.Dockerfile")).instructions[-1]
    assert last.args == "echo     last"


def test_stages():
    doc = parse("ARG V=1\nFROM golang:1.22 AS Build\nRUN go build\nFROM debian\nCOPY --from=build /x /x\n")
    assert [(s.index, s.base, s.name) for s in doc.stages] == [(0, "golang:1.22", "build"), (1, "debian", None)]
    assert [i.stage for i in doc.instructions] == [-1, 0, 0, 1, 1]


ERRORS = {
    "unterminated-heredoc.Dockerfile": (2, "unterminated heredoc"),
    "bad-escape.Dockerfile": (1, "invalid escape token"),
    "duplicate-escape.Dockerfile": (2, "only one escape parser directive"),
    "json-non-strings.Dockerfile": (2, "arrays must be comprised of strings only"),
    "long-line.Dockerfile": (2, "max allowed size of 65535"),
    "no-instructions.Dockerfile": (2, "file with no instructions"),
    "env-no-value.Dockerfile": (2, "ENV must have two arguments"),
    "env-mixed.Dockerfile": (2, "can't find = in"),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_what_buildkit_rejects_is_a_parse_error_with_its_line(name):
    line, message = ERRORS[name]
    with pytest.raises(ParseError) as info:
        parse(read(FIXTURES / "syntax-errors" / name))
    assert info.value.line == line
    assert message in info.value.message


def test_every_error_fixture_is_listed():
    assert sorted(p.name for p in (FIXTURES / "syntax-errors").iterdir()) == sorted(ERRORS)
