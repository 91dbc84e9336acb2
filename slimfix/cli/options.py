"""The options of ``slimfix [PATH...]``, read with the standard library's argparse.

This is the command pre-commit and CI call once per commit, often for one file: its
start-up is the cost users feel, so it imports nothing it does not need (the
subcommands' parsers are in ``app``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .check import CheckOptions

EPILOG = """\
Commands:
  check [OPTIONS] [PATH]...      this command, by name (the same as without it)
  rules                          list the rules (--output-format json)
  explain CODE                   show a rule's documentation (SF102, apt-lists-cleanup, DL3009)
  verify DOCKERFILE              build before and after, certify the rewrite's image
  server                         the language server, for editors (pip install 'slimfix[server]')
Each has its own --help.

Examples:
  slimfix check .                report findings for every Dockerfile under .
  slimfix --diff app/Dockerfile  show the fixes as a unified diff
  slimfix --write .              apply the safe fixes in place
  slimfix --check .              exit 1 when a change is due (CI, pre-commit)
  slimfix --write - < Dockerfile fix standard input to standard output
  slimfix rules                  list the rules
  slimfix explain SF102          show a rule's documentation
  slimfix verify app/Dockerfile  build before and after, compare size and rebuild time
  slimfix verify --select ALL,SF6 app/Dockerfile
                                 ... and a third image with cache mounts (SF6xx)
  slimfix server                 the language server, for editors (docs/editors.md)

Exit status: 0 nothing to change (or, with --write, every fix applied); 1 findings
reported, a change due (--check, --diff), or findings left after --write; 2 errors (a
file that cannot be read or parsed, bad usage). Advice (display-only findings) never
fails a run on its own.
"""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=34, width=_width())

    def add_usage(self, usage, actions, groups, prefix=None):  # noqa: ANN001 (argparse's own signature)
        super().add_usage(usage, actions, groups, "Usage: ")


def _width() -> int:
    """As shutil.get_terminal_size, without importing shutil: argparse asks for a
    formatter on every add_argument, so every run, help or not, would pay for it."""
    import os

    try:
        columns = int(os.environ.get("COLUMNS") or 0) or os.get_terminal_size(sys.__stdout__.fileno()).columns
    except (AttributeError, ValueError, OSError):
        columns = 0
    return columns or 80


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="slimfix", usage="slimfix [check] [OPTIONS] [PATH]...\n       slimfix rules|explain|verify|server ...", formatter_class=_Formatter, add_help=False,
        description="Find and fix what makes Docker images big and builds slow.", epilog=EPILOG)
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="Dockerfiles or directories to search (default: .); - reads standard input.")
    mode = p.add_argument_group("What to do (default: report the findings)")
    mode.add_argument("--diff", action="store_true",
                      help="Print a unified diff of the fixes; exit 1 when any. Never writes, even with --write.")
    mode.add_argument("--write", "--fix", "-w", action="store_true",
                      help="Apply the fixes to the files in place (--fix: ruff's name for it).")
    mode.add_argument("--check", action="store_true", help="Change nothing; exit 1 when a change is due.")
    mode.add_argument("--unsafe-fixes", action="store_true", help="Also apply fixes marked unsafe.")
    mode.add_argument("--show-contexts", action="store_true",
                      help="Print each Dockerfile's build context and why, then exit.")
    mode.add_argument("--show-settings", action="store_true",
                      help="Print each Dockerfile's settings file (or none) and the rules it gets, then exit.")
    rules = p.add_argument_group("Rules")
    rules.add_argument("--select", action="append", metavar="CODES",
                       help="Rule codes or prefixes to run, instead of the config's (comma-separated).")
    rules.add_argument("--ignore", action="append", metavar="CODES",
                       help="Rule codes or prefixes to skip, instead of the config's (comma-separated).")
    rules.add_argument("--extend-select", action="append", metavar="CODES",
                       help="Rule codes or prefixes to run on top of the config's selection.")
    rules.add_argument("--extend-ignore", action="append", metavar="CODES",
                       help="Rule codes or prefixes to skip on top of the config's.")
    files = p.add_argument_group("Files and settings")
    files.add_argument("--config", type=Path, metavar="FILE",
                       help="Settings file (default: the nearest slimfix.toml, .slimfix.toml or [tool.slimfix] "
                            "in pyproject.toml above each Dockerfile).")
    files.add_argument("--context", type=Path, metavar="DIR",
                       help="Build context directory (default: from the config, compose or bake files, or each "
                            "Dockerfile's directory).")
    files.add_argument("--exclude", action="append", metavar="GLOB",
                       help="Paths to skip when searching directories (gitignore-style).")
    files.add_argument("--stdin-filename", default="-", metavar="NAME", help="Name to show for standard input.")
    files.add_argument("--jobs", "-j", type=int, metavar="N", help="Worker processes (default: the number of CPUs).")
    files.add_argument("--no-cache", action="store_true",
                       help="Neither read nor write .slimfix_cache/ (earlier runs' results and walk of unchanged "
                            "files, sealed with a key kept in ~/.cache/slimfix/). The environment variable "
                            "SLIMFIX_NO_CACHE=1 does the same.")
    out = p.add_argument_group("Output")
    out.add_argument("--output-format", default="text", metavar="FORMAT",
                     help="text, json (ruff's shape), sarif (2.1.0, with fixes), github (annotations), "
                          "gitlab (Code Quality), junit or checkstyle.")
    out.add_argument("--output-file", type=Path, metavar="FILE",
                     help="Write the report there, replacing the file when the run ends (never one of the files "
                          "checked; diffs and fixed standard input stay on standard output).")
    out.add_argument("--quiet", "-q", action="store_true", help="Print the findings (or diffs) and nothing else.")
    out.add_argument("--statistics", action="store_true",
                     help="Print a table of findings per rule, most first, with how many are fixable, instead of "
                          "the findings.")
    out.add_argument("--show-fixes", action="store_true", help="With --write: list each fix applied.")
    status = p.add_argument_group("Exit status")
    status.add_argument("--exit-zero", action="store_true", help="Exit 0 even when findings are left (not on errors).")
    status.add_argument("--exit-non-zero-on-fix", action="store_true",
                        help="With --write: exit 1 when anything was changed, even if every finding was fixed.")
    other = p.add_argument_group("Other")
    other.add_argument("--version", action="store_true", help="Show the version and exit.")
    other.add_argument("-h", "--help", action="help", help="Show this message and exit.")
    return p


def _env_set(name: str) -> bool:
    """As ruff's RUFF_NO_CACHE: set to anything but empty, 0 or false."""
    import os

    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def _codes(values: list[str] | None) -> list[str]:
    return [c.strip() for v in values or [] for c in v.split(",") if c.strip()]


def parse(argv: list[str]) -> CheckOptions:
    """The options as given; exits 2 with a message for bad usage, as argparse does."""
    from ..report import format_names

    p = parser()
    a = p.parse_args(argv)
    if a.version:
        from .. import __version__

        sys.stdout.write(f"slimfix {__version__}\n")
        raise SystemExit(0)
    if a.write and a.check:
        p.error("--write and --check cannot be used together")
    if a.diff:
        a.write = False  # as ruff and black: --diff shows the fixes and writes nothing
    if a.jobs is not None and a.jobs < 1:
        p.error("--jobs must be at least 1")
    names = format_names()
    if a.output_format in ("full", "concise"):
        a.output_format = "text"  # ruff's names: slimfix's text is one line a finding, its notes below
    if a.output_format not in names:
        p.error(f"--output-format must be {', '.join(names[:-1])} or {names[-1]}, not {a.output_format!r}")
    if a.context is not None and a.context.exists() and not a.context.is_dir():
        p.error(f"--context {a.context}: not a directory")
    if a.config is not None and a.config.is_dir():
        p.error(f"--config {a.config}: a directory, not a file")
    return CheckOptions(
        paths=a.paths or ["."], diff=a.diff, write=a.write, check=a.check, select=_codes(a.select),
        ignore=_codes(a.ignore), extend_select=_codes(a.extend_select), extend_ignore=_codes(a.extend_ignore),
        unsafe_fixes=a.unsafe_fixes, context=a.context, exclude=a.exclude or [], stdin_filename=a.stdin_filename,
        quiet=a.quiet, jobs=a.jobs, statistics=a.statistics, config=a.config, show_contexts=a.show_contexts,
        show_settings=a.show_settings,
        output_format=a.output_format, output_file=a.output_file, show_fixes=a.show_fixes,
        exit_zero=a.exit_zero, exit_non_zero_on_fix=a.exit_non_zero_on_fix,
        cache=not (a.no_cache or _env_set("SLIMFIX_NO_CACHE")))
