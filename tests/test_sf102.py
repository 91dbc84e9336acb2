"""SF102 beyond its fixture pairs: what the rewritten RUN means to the shell."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, read

from slimfix.engine import fix_document
from slimfix.fixes import Applicability
from slimfix.rules import RuleContext, select_rules
from slimfix.analysis.stages import reaches_image
from slimfix.shell import read_run
from slimfix.shell.packages import is_apt_update, program_words
from slimfix.syntax import parse

RULES = select_rules(["SF102"])


@pytest.mark.parametrize("path", sorted((FIXTURES / "rules" / "SF102" / "fix").glob("*.in")), ids=lambda p: p.stem)
def test_cleanup_is_a_real_command_of_the_same_run_as_the_update(path):
    threshold = Applicability.UNSAFE if path.stem.startswith("unsafe-") else Applicability.SAFE
    out = parse(fix_document(read(path), RULES, threshold=threshold).output)
    for inst in out.instructions:
        run = read_run(inst)
        if run is None or not reaches_image(RuleContext(out), inst):  # builder stages are left alone
            continue
        commands = run.commands()
        if any(is_apt_update(c) for c in commands):
            # (through the same sudo as the update, when it runs through one)
            cleanup = [c for c in commands if program_words(c) == ["rm", "-rf", "/var/lib/apt/lists/*"]]
            # the shell sees it as a command (not inside a comment, not glued to another word)
            assert cleanup, f"line {inst.start_line}: cleanup is not a command of this RUN"


def test_findings_without_fix_say_why():
    out = fix_document(read(FIXTURES / "rules" / "SF102" / "noop" / "unsafe-two-later-installs.Dockerfile"), RULES,
                       threshold=Applicability.UNSAFE)
    [finding] = out.findings
    assert finding.fix is None and "line 3" in finding.note and "line 4 also installs" in finding.note


def test_later_install_without_update_is_fixed_only_as_unsafe():
    text = read(FIXTURES / "rules" / "SF102" / "noop" / "later-install-needs-lists.Dockerfile")
    assert fix_document(text, RULES).output == text
    out = parse(fix_document(text, RULES, threshold=Applicability.UNSAFE).output)
    for inst in out.instructions[1:]:
        commands = read_run(inst).commands()
        assert is_apt_update(commands[0]) and commands[-1].argv == ["rm", "-rf", "/var/lib/apt/lists/*"]


def test_builder_stages_are_left_alone_and_the_image_stages_are_not():
    text = ("FROM debian AS tools\nRUN apt-get update && apt-get install -y gcc\n"
            "FROM debian AS base\nRUN apt-get update && apt-get install -y libssl3\n"
            "FROM debian AS root\nRUN apt-get update && apt-get install -y tzdata\n"
            "FROM base\nCOPY --from=tools /usr/bin/gcc /usr/bin/\nCOPY --from=2 / /\n")
    out = fix_document(text, RULES).output
    assert "gcc && rm" not in out  # picked by path: its lists are thrown away
    assert "libssl3 && rm" in out and "tzdata && rm" in out  # built FROM, and copied whole
