"""SF101 with the whole pipeline: one --write leaves one RUN with update, install and cleanup."""

from __future__ import annotations

from slimfix.engine import fix_document
from slimfix.rules import select_rules

RULES = select_rules()  # the default selection (not the opt-in SF6xx)


def test_split_update_install_ends_in_one_run_with_cleanup_after_one_write():
    before = "FROM debian\nRUN apt-get update\nRUN apt-get install -y curl  # for healthchecks\nCMD [\"sh\"]\n"
    out = fix_document(before, RULES)
    assert out.output == ("FROM debian\nRUN apt-get update && \\\n    apt-get install -y curl && \\\n"
                          "    rm -rf /var/lib/apt/lists/*  # for healthchecks\nCMD [\"sh\"]\n")
    assert {f.code for f in out.applied} == {"SF101", "SF102"}
    assert not fix_document(out.output, RULES).changed


def test_merge_unblocks_cleanup_that_a_later_install_prevented():
    before = "FROM debian\nRUN apt-get update && apt-get install -y a\nRUN apt-get install -y b\n"
    out = fix_document(before, RULES)
    assert out.output.count("RUN ") == 1 and out.output.rstrip().endswith("rm -rf /var/lib/apt/lists/*")
