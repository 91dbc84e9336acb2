"""The pure parts of bench/realbuilds/run.py: which stand-in each base gets, and the verdicts.
A wrong mapping would judge a -slim swap against the wrong image, or hide a broken build."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench" / "realbuilds"))

from run import judge, map_bases  # noqa: E402


def test_full_and_slim_bases_get_different_standins():
    text, missing = map_bases("FROM python:3.14\nRUN x\nFROM python:3.14-slim AS run\nFROM node:20-bookworm-slim\n")
    assert text == "FROM python:3.11\nRUN x\nFROM python:3.11-slim AS run\nFROM node:18-slim\n"
    assert missing == []


def test_flags_stage_names_arguments_and_copy_from_images():
    text, missing = map_bases("FROM --platform=$BUILDPLATFORM golang:1.25-bookworm AS build\n"
                              "FROM build AS test\nFROM ${BASE}\n"
                              "COPY --from=ghcr.io/astral-sh/uv:latest /uv /bin/\nCOPY --from=build /app /app\n")
    assert text.splitlines() == ["FROM --platform=$BUILDPLATFORM golang:1.19 AS build", "FROM build AS test",
                                 "FROM ${BASE}", "COPY --from=localhost/uv-standin /uv /bin/",
                                 "COPY --from=build /app /app"]
    assert missing == []


def test_bases_without_standin_are_reported_not_swapped():
    text, missing = map_bases("FROM node:20-alpine\nFROM docker.io/library/nginx:1\nFROM scratch\n")
    assert text == "FROM node:20-alpine\nFROM docker.io/library/nginx:1\nFROM scratch\n"
    assert missing == ["node:20-alpine", "docker.io/library/nginx:1"]


def _side(ok, error=None):
    return {"cold": {"ok": ok, "error": error}}


def test_a_rewrite_that_fails_where_the_original_built_is_broke():
    verdict = judge({"before": _side(True), "safe": _side(True), "unsafe": _side(False, "apt: curl not found"),
                     "cache": _side(True)})
    assert verdict == {"verdict": "BROKE", "why": "unsafe: apt: curl not found"}
    verdict = judge({"before": _side(True), "safe": _side(True), "unsafe": {"same_as": "safe"},
                     "cache": _side(False, "apt: lists missing")})
    assert verdict == {"verdict": "BROKE", "why": "cache: apt: lists missing"}


def test_identical_rewrites_share_the_verdict_of_the_side_they_equal():
    same = {"unsafe": {"same_as": "safe"}, "cache": {"same_as": "unsafe"}}
    assert judge({"before": _side(True), "safe": _side(True)} | same) == {"verdict": "built"}
    assert judge({"before": _side(True), "safe": _side(False, "x")} | same)["verdict"] == "BROKE"
    failed = judge({"before": _side(False, "no proxy"), "safe": _side(False, "no proxy")} | same)
    assert failed == {"verdict": "failed both", "why": "no proxy"}


sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from markdown_block import splice  # noqa: E402


def test_splice_replaces_only_its_own_block(tmp_path):
    doc = tmp_path / "images.md"
    doc.write_text("# t\n\n<!-- a:begin -->\nold a\n<!-- a:end -->\n\nhand-written\n\n<!-- b:begin -->\nb\n<!-- b:end -->\n")
    splice(doc, "a", "new a\n")
    assert doc.read_text() == ("# t\n\n<!-- a:begin -->\nnew a\n<!-- a:end -->\n\nhand-written\n\n"
                               "<!-- b:begin -->\nb\n<!-- b:end -->\n")
    splice(doc, "c", "c", heading="## C")
    assert doc.read_text().endswith("<!-- b:end -->\n\n## C\n\n<!-- c:begin -->\nc\n<!-- c:end -->\n")
