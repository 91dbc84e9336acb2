"""The slimfix command line: its options and subcommands. What each command does is in
the module beside this one that bears its name."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from .. import __version__

# "\b" keeps click from rewrapping the block that follows it.
EPILOG = """\
\b
Examples:
  slimfix .                      report findings for every Dockerfile under .
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

\b
Exit status: 0 nothing to change; 1 changes found (or made, with --write) or,
without --diff/--check/--write, findings reported; 2 errors (a file that
cannot be read or parsed, bad usage).
"""

_SETTINGS = dict(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False,
                 context_settings={"help_option_names": ["-h", "--help"]})
# Two apps so that the main command needs no subcommand name (``slimfix PATH``) while
# ``slimfix rules`` and ``slimfix explain`` still work.
check_app = typer.Typer(**_SETTINGS)
tools_app = typer.Typer(**_SETTINGS)

SUBCOMMANDS = ("rules", "explain", "verify", "server")


def _split_codes(values: Optional[List[str]]) -> list[str]:
    return [c.strip() for v in values or [] for c in v.split(",") if c.strip()]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"slimfix {__version__}")
        raise typer.Exit(0)


@check_app.command("check", epilog=EPILOG)
def check_command(
    paths: Optional[List[str]] = typer.Argument(
        None, metavar="PATH",
        help="Dockerfiles or directories to search (default: .); - reads standard input."),
    diff: bool = typer.Option(False, "--diff", help="Print a unified diff of the fixes; exit 1 when any."),
    write: bool = typer.Option(False, "--write", "-w", help="Apply the fixes to the files in place."),
    check: bool = typer.Option(False, "--check", help="Change nothing; exit 1 when a change is due."),
    select: Optional[List[str]] = typer.Option(None, "--select", metavar="CODES", help="Rule codes or prefixes to run (comma-separated)."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", metavar="CODES", help="Rule codes or prefixes to skip (comma-separated)."),
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes", help="Also apply fixes marked unsafe."),
    context: Optional[Path] = typer.Option(None, "--context", metavar="DIR", file_okay=False, help="Build context directory (default: each Dockerfile's directory)."),
    exclude: Optional[List[str]] = typer.Option(None, "--exclude", metavar="GLOB", help="Glob of paths to skip when searching directories."),
    stdin_filename: str = typer.Option("-", "--stdin-filename", metavar="NAME", help="Name to show for standard input."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only errors (and diffs or fixed output)."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", metavar="N",
                                       help="Worker processes (default: the number of CPUs)."),
    statistics: bool = typer.Option(False, "--statistics", help="Print the findings per rule (and files fixed)."),
    config: Optional[Path] = typer.Option(None, "--config", metavar="FILE", dir_okay=False,
                                          help="Settings file (default: slimfix.toml, .slimfix.toml or "
                                               "[tool.slimfix] in pyproject.toml, from here upward)."),
    output_format: str = typer.Option("text", "--output-format", metavar="FORMAT",
                                      help="text, json, sarif (2.1.0, with fixes) or github (annotations)."),
    show_contexts: bool = typer.Option(False, "--show-contexts",
                                       help="Print each Dockerfile's build context and why, then exit."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """Find and fix what makes Docker images big and builds slow."""
    from ..report import format_names
    from .check import CheckOptions, run

    if write and check:
        raise typer.BadParameter("--write and --check cannot be used together")
    if jobs is not None and jobs < 1:
        raise typer.BadParameter("--jobs must be at least 1")
    names = format_names()
    if output_format not in names:
        raise typer.BadParameter(f"--output-format must be {', '.join(names[:-1])} or {names[-1]}, "
                                 f"not {output_format!r}")
    code = run(CheckOptions(
        paths=paths or ["."], diff=diff, write=write, check=check, select=_split_codes(select),
        ignore=_split_codes(ignore), unsafe_fixes=unsafe_fixes, context=context,
        exclude=exclude or [], stdin_filename=stdin_filename, quiet=quiet, jobs=jobs,
        statistics=statistics, config=config, show_contexts=show_contexts, output_format=output_format,
    ))
    raise typer.Exit(code)


@tools_app.command("rules")
def rules_command() -> None:
    """List the rules: code, name, fix safety, matching hadolint codes, summary."""
    from .rules import show_rules

    show_rules()


@tools_app.command("explain")
def explain_command(code: str = typer.Argument(..., metavar="CODE", help="A rule code (SF102) or name (apt-lists-cleanup).")) -> None:
    """Show a rule's documentation."""
    from .rules import explain

    raise typer.Exit(explain(code))


@tools_app.command("verify")
def verify_command(
    path: Path = typer.Argument(..., metavar="DOCKERFILE", exists=True, dir_okay=False,
                                help="The Dockerfile to build before and after slimfix's fixes."),
    context: Optional[Path] = typer.Option(None, "--context", metavar="DIR", file_okay=False,
                                           help="Build context (default: as for `slimfix`, from the config, "
                                                "compose files, or the Dockerfile's directory)."),
    builder: str = typer.Option("auto", "--builder", metavar="NAME", help="auto, docker, podman or buildah."),
    edit: Optional[str] = typer.Option(None, "--edit", metavar="FILE",
                                       help="File (in the context) to edit before the rebuilds "
                                            "(default: a source file only the whole-context COPY brings in)."),
    keep: bool = typer.Option(False, "--keep", help="Keep the images the run builds."),
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes", help="Also apply fixes marked unsafe."),
    select: Optional[List[str]] = typer.Option(
        None, "--select", metavar="CODES",
        help="Rules whose fixes make the rewrite (as for `slimfix --select`). With the opt-in "
             "cache-mount rules (ALL,SF6) a third image is built with their fixes."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", metavar="CODES", help="Rule codes or prefixes to skip."),
    dependency_edit: bool = typer.Option(True, "--dependency-edit/--no-dependency-edit",
                                         help="Also rebuild after adding a dependency to the manifest."),
    manifest: Optional[str] = typer.Option(None, "--manifest", metavar="FILE",
                                           help="Manifest (in the context) for the dependency edit (default: the "
                                                "requirements file the Dockerfile installs, or package.json)."),
    dependency: Optional[str] = typer.Option(None, "--dependency", metavar="LINE",
                                             help="The requirement (name@version for package.json) to add "
                                                  "(default: a small package the manifest lacks)."),
    output_format: str = typer.Option("text", "--output-format", metavar="FORMAT", help="text or json."),
) -> None:
    """Build the Dockerfile as it is and as slimfix rewrites it, and compare image size,
    the layers, build time, and what a source edit and a dependency edit make rebuild.
    The build context is copied: your files are never touched."""
    from .verify import run

    raise typer.Exit(run(path, context=context, builder=builder, edit=edit, keep=keep,
                         unsafe_fixes=unsafe_fixes, output_format=output_format, select=_split_codes(select),
                         ignore=_split_codes(ignore), dependency_edit=dependency_edit, manifest=manifest,
                         dependency=dependency))


@tools_app.command("server")
def server_command(
    stdio: bool = typer.Option(True, "--stdio", hidden=True, help="Talk over standard input and output (the only way)."),
) -> None:
    """Run the language server (LSP) over standard input and output, for editors:
    diagnostics, quick fixes, fix all, ignore comments and rule documentation on hover.
    See docs/editors.md."""
    from ..server import serve

    serve()


def main(argv: list[str] | None = None) -> None:
    """Entry point: ``slimfix rules`` and ``slimfix explain`` are subcommands; anything
    else is the main command."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        tools_app(args=args, prog_name="slimfix")
    else:
        check_app(args=args, prog_name="slimfix")
