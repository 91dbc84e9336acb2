"""The language server's parts without a client: positions, edits, documents."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from slimfix.fixes import apply_edits
from slimfix.server.actions import ignore_edit, line_edits, wanted
from slimfix.rules import all_rules
from slimfix.server.diagnostics import _place, rule_url
from slimfix.server.documents import analyze, is_dockerfile, uri_to_path
from slimfix.server.positions import UTF8, UTF16, UTF32, LineIndex
from slimfix.syntax import parse


def test_positions_in_each_encoding():
    text = "a\U0001f433b\r\nc\rd\n"
    for enc, after_whale in ((UTF16, 3), (UTF8, 5), (UTF32, 2)):
        index = LineIndex(text, enc)
        assert index.position(2) == (0, after_whale)
        assert index.offset(0, after_whale) == 2
        assert index.position(5) == (1, 0)  # after CRLF
        assert index.position(7) == (2, 0)  # a lone CR ends a line for the editor
        assert index.offset(1, 99) == 6  # past a line's end is its end
        assert index.offset(9, 0) == len(text)
        assert index.position(len(text)) == (3, 0)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab\r\n\U0001f433", max_size=30))
def test_offsets_and_positions_round_trip(text):
    index = LineIndex(text)
    for offset in range(len(text) + 1):
        if 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n":
            continue  # not a place a position can name
        assert index.offset(*index.position(offset)) == offset


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["FROM a\n", "RUN b\n", "\n", "RUN c\r\n", "x"]), max_size=8),
       st.lists(st.sampled_from(["FROM a\n", "RUN b\n", "\n", "RUN d\r\n", "y"]), max_size=8))
def test_line_edits_turn_one_text_into_the_other(a, b):
    before, after = "".join(a), "".join(b)
    assert apply_edits(before, line_edits(before, after)).text == after


def test_ignore_comment_after_a_bom_and_directive():
    doc = parse("\ufeff# syntax=docker/dockerfile:1\nFROM a\n\tRUN apk add x\n")
    inst = doc.instructions[1]
    edit = ignore_edit(doc, inst, "SF302")
    assert apply_edits(doc.text, [edit]).text == (
        "\ufeff# syntax=docker/dockerfile:1\nFROM a\n\t# slimfix: ignore=SF302\n\tRUN apk add x\n")
    first = ignore_edit(doc, doc.instructions[0], "SF501")
    assert apply_edits(doc.text, [first]).text.startswith("\ufeff# syntax=docker/dockerfile:1\n# slimfix: ignore=SF501\nFROM a\n")


def test_a_blank_line_separates_an_existing_comment():
    doc = parse("FROM a\n# slimfix: ignore=SF103\n\nRUN apk add x\n")
    edit = ignore_edit(doc, doc.instructions[1], "SF302")
    assert apply_edits(doc.text, [edit]).text == "FROM a\n# slimfix: ignore=SF103\n\n# slimfix: ignore=SF302\nRUN apk add x\n"


def test_which_documents():
    assert is_dockerfile("file:///x/anything.txt", "dockerfile")
    assert is_dockerfile("file:///x/Containerfile.dev", "plaintext")
    assert is_dockerfile("untitled:api.Dockerfile", None)
    assert not is_dockerfile("file:///x/.dockerignore", "ignore")
    assert not is_dockerfile("file:///x/main.py", "python")
    assert uri_to_path("file:///tmp/a%20b/Dockerfile").as_posix() == "/tmp/a b/Dockerfile"
    assert uri_to_path("untitled:Untitled-1") is None


def test_kinds_asked_for():
    assert wanted("source.fixAll.slimfix", None)
    assert wanted("source.fixAll.slimfix", ["source.fixAll"]) and wanted("source.fixAll.slimfix", ["source"])
    assert not wanted("source.fixAll.slimfix", ["quickfix"]) and not wanted("quickfix", ["source.fixAll"])


def test_parse_error_place_counts_lines_as_slimfix_does():
    text = "FROM a\rRUN x\nRUN <<EOF\n"
    a = analyze("untitled:Dockerfile", text)
    assert a.problem is not None and a.problem.kind == "parse"
    assert _place(text, a.problem.line, a.problem.column) == (13, 22)


def test_each_rule_link_names_a_section_of_the_rules_reference():
    from conftest import ROOT

    headings = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    import slimfix

    assert all(rule_url(rule) is None for rule in all_rules())  # slimfix.HOME is None: no links
    slimfix.HOME = "https://example.org/slimfix"
    try:
        for rule in all_rules():
            assert f"\n## {rule.code} {rule.name}\n" in headings
            assert rule_url(rule) == f"https://example.org/slimfix/blob/main/docs/rules.md#{rule.code.lower()}-{rule.name}"
    finally:
        slimfix.HOME = None


def test_a_quick_fix_never_writes_through_a_link_out_of_the_workspace(tmp_path):
    """The .dockerignore the fix would update is a link to a file outside the workspace:
    no action (the CLI's boundary: real paths inside the roots)."""
    from slimfix.safepaths import Roots
    from slimfix.server.actions import Actions, ClientEdits
    from slimfix.server.documents import analyze

    work, outside = tmp_path / "work", tmp_path / "outside"
    (work / ".git").mkdir(parents=True)
    outside.mkdir()
    (outside / "victim").write_text("*.md\n")
    (work / ".dockerignore").symlink_to(outside / "victim")
    text = "FROM python:3.12-slim\nCOPY . /app\n"
    (work / "Dockerfile").write_text(text)
    a = analyze((work / "Dockerfile").as_uri(), text)
    assert any(f.file_change is not None for f in a.findings)
    client = ClientEdits(document_changes=True, create_files=True)
    titles = [x.title for x in Actions(a, "utf-16", client, Roots([str(work)])).for_range(0, len(text), None)]
    assert not [t for t in titles if t.startswith("slimfix (SF401): Add")], titles
    inside = Actions(a, "utf-16", client, Roots([str(tmp_path)])).for_range(0, len(text), None)
    assert [x for x in inside if x.title.startswith("slimfix (SF401): Add")]  # a workspace holding both: offered


def test_every_rule_that_fixes_has_a_title_saying_what_the_fix_does():
    from slimfix.fixes import FixAvailability
    from slimfix.rules import all_rules
    from slimfix.server.titles import FIX_TITLES

    fixing = {r.code for r in all_rules() if r.fix_availability is not FixAvailability.NONE and r.code != "SF401"}
    assert fixing <= set(FIX_TITLES), fixing - set(FIX_TITLES)  # SF401's title comes from the file change
    assert all(title[0].isupper() and not title.endswith(".") for title in FIX_TITLES.values())


def test_a_file_change_title_names_what_it_adds():
    from pathlib import Path

    from slimfix.fixes import FileChange
    from slimfix.server.titles import change_title

    new = FileChange(Path("ctx/.dockerignore"), None, "# header\n.git\n.env\nnode_modules\n.venv\n")
    assert change_title(new) == "Create .dockerignore excluding .git, .env, node_modules and 1 more"
    grown = FileChange(Path("ctx/.dockerignore"), "*.md\n", "*.md\n\n# header\n.git\n")
    assert change_title(grown) == "Add .git to .dockerignore"
