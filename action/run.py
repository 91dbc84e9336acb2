"""The GitHub Action's steps (action.yml runs this file with the Python it set up).

The inputs come from the workflow and, through them, often from the pull request (a
list of changed files): they are read as lists and handed to slimfix as its argv, never
through a shell. ``paths`` is one path per line, and the paths come after ``--``, so a
changed file named ``--exit-zero`` is a file, not an option; ``args`` is split into
words as a shell would (quotes respected) with nothing expanded: no globs, variables or
commands. The SARIF report is written to a new folder in the runner's temporary folder,
where a pull request cannot have placed a link.

    python run.py check   # slimfix in the chosen mode; its exit status
    python run.py sarif   # the SARIF report; its path as the step output ``file``

The modes: ``check`` annotates the findings and prints the patch in the log, and fails
when a change is due; ``diff`` prints the patch only, and fails when there is one;
``write`` prints the patch, applies the safe fixes in the checkout, sets the step output
``changed`` (``true`` or ``false``) for a later step to commit or open a pull request with,
and annotates what is left (failing, as ``slimfix --write`` does, when findings are left).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile

MODES = ("check", "diff", "write")


def paths(text: str) -> list[str]:
    """One path per line; blank lines are skipped, spaces around a line are not part of it."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def args(text: str) -> list[str]:
    """Words as a POSIX shell splits them (quotes group, a backslash escapes), nothing expanded."""
    return shlex.split(text, posix=True)


def slimfix_argv(options: list[str], env: dict[str, str]) -> list[str]:
    return [sys.executable, "-m", "slimfix", *options, *args(env.get("SLIMFIX_ARGS", "")), "--",
            *(paths(env.get("SLIMFIX_PATHS", "")) or ["."])]


def check(env: dict[str, str]) -> int:
    mode = env.get("SLIMFIX_MODE", "check")
    if mode not in MODES:
        print(f"::error::mode must be check, diff or write, not {mode!r}")
        return 2
    if mode == "check":
        return _slimfix(["--check", "--diff", "--output-format", "github"], env)
    if mode == "diff":
        return _slimfix(["--diff", "--quiet"], env)
    status = _slimfix(["--diff", "--quiet"], env)  # what the write will change, in the log
    if status > 1:
        return status
    _output(env, "changed", "true" if status == 1 else "false")
    return _slimfix(["--write", "--output-format", "github"], env)


def _slimfix(options: list[str], env: dict[str, str]) -> int:
    sys.stdout.flush()  # the log keeps the order of what this step and slimfix print
    return subprocess.run(slimfix_argv(options, env)).returncode


def _output(env: dict[str, str], name: str, value: str) -> None:
    """A step output (``$GITHUB_OUTPUT``; nothing outside a runner)."""
    path = env.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{name}={value}\n")


def sarif(env: dict[str, str]) -> int:
    folder = tempfile.mkdtemp(prefix="slimfix-sarif-", dir=env.get("RUNNER_TEMP") or None)
    report = os.path.join(folder, "slimfix.sarif")
    status = _slimfix(["--output-format", "sarif", "--output-file", report, "--quiet"], env)
    if status > 1:  # findings do not fail this step: the check step decides
        return status
    _output(env, "file", report)
    return 0


def main(argv: list[str]) -> int:
    steps = {"check": check, "sarif": sarif}
    if len(argv) != 1 or argv[0] not in steps:
        print(f"usage: run.py {'|'.join(steps)}", file=sys.stderr)
        return 2
    try:
        return steps[argv[0]](dict(os.environ))
    except ValueError as exc:  # args with an unclosed quote
        print(f"::error::args: {exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
