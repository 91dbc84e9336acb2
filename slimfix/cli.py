"""The slimfix command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from . import __version__

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

SUBCOMMANDS = ("rules", "explain", "verify")


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
    exclude: Optional[List[str]] = typer.Option(None, "--exclude", metavar="GLOB", help="Paths to skip when searching directories, as in .gitignore (vendor, vendor/, **/testdata, ./vendor, an absolute path)."),
    stdin_filename: str = typer.Option("-", "--stdin-filename", metavar="NAME", help="Name to show for standard input."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only errors (and diffs or fixed output)."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", metavar="N",
                                       help="Worker processes (default: the number of CPUs)."),
    statistics: bool = typer.Option(False, "--statistics", help="Print the findings per rule (and files fixed)."),
    config: Optional[Path] = typer.Option(None, "--config", metavar="FILE", dir_okay=False,
                                          help="Settings file for every Dockerfile (default: for each Dockerfile, the nearest "
                                               "slimfix.toml, .slimfix.toml or [tool.slimfix] in pyproject.toml, "
                                               "up to the repository root; else the one from here upward)."),
    output_format: str = typer.Option("text", "--output-format", metavar="FORMAT",
                                      help="text, json, sarif (2.1.0, with fixes) or github (annotations)."),
    show_contexts: bool = typer.Option(False, "--show-contexts",
                                       help="Print each Dockerfile's build context and why, then exit."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """Find and fix what makes Docker images big and builds slow."""
    from .cli_run import run

    if write and check:
        raise typer.BadParameter("--write and --check cannot be used together")
    if jobs is not None and jobs < 1:
        raise typer.BadParameter("--jobs must be at least 1")
    if output_format not in ("text", "json", "sarif", "github"):
        raise typer.BadParameter(f"--output-format must be text, json, sarif or github, not {output_format!r}")
    code = guarded(lambda: run(
        paths=paths or ["."], diff=diff, write=write, check=check, select=_split_codes(select),
        ignore=_split_codes(ignore), unsafe_fixes=unsafe_fixes, context=context,
        exclude=exclude or [], stdin_filename=stdin_filename, quiet=quiet, jobs=jobs,
        statistics=statistics, config=config, show_contexts=show_contexts, output_format=output_format,
    ))
    raise typer.Exit(code)


def guarded(run) -> int:
    """Any error that escapes is one line and exit status 2, never a traceback (and never
    exit 1, which CI reads as "changes found")."""
    from .signals import sigterm_as_sigint

    sigterm_as_sigint()
    try:
        return run()
    except KeyboardInterrupt:
        typer.echo("slimfix: interrupted; files not yet written are unchanged", err=True)
        return 130
    except Exception as exc:
        import traceback

        where = traceback.extract_tb(exc.__traceback__)[-1]
        typer.echo(f"slimfix: internal error: {type(exc).__name__}: {exc} "
                   f"(at {Path(where.filename).name}:{where.lineno}; please report it)", err=True)
        return 2


@tools_app.command("rules")
def rules_command() -> None:
    """List the rules: code, name, fix safety, matching hadolint codes, summary."""
    from rich.console import Console
    from rich.table import Table

    from .rules import all_rules

    table = Table(show_edge=False, header_style="bold")
    for col in ("Code", "Name", "Fix", "hadolint", "Summary"):
        table.add_column(col)
    for rule in all_rules():
        fix = str(rule.fix_safety) if rule.fix_safety is not None else "none"
        table.add_row(rule.code, rule.name, fix, ", ".join(rule.hadolint), rule.summary)
    Console(highlight=False).print(table)


@tools_app.command("explain")
def explain_command(code: str = typer.Argument(..., metavar="CODE", help="A rule code (SF102) or name (apt-lists-cleanup).")) -> None:
    """Show a rule's documentation."""
    from .rules import rule_by_code

    rule = rule_by_code(code)
    if rule is None:
        typer.echo(f"slimfix: unknown rule: {code} (see `slimfix rules`)", err=True)
        raise typer.Exit(2)
    typer.echo(f"# {rule.code} {rule.name}\n\n{rule.summary}.\n\n{rule.documentation()}")


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
    output_format: str = typer.Option("text", "--output-format", metavar="FORMAT", help="text or json."),
) -> None:
    """Build the Dockerfile as it is and as slimfix rewrites it, and compare image size,
    layers, build time and what a source edit makes rebuild. The build context is copied:
    your files are never touched."""
    import json as _json

    from .builders import BuilderError, find_builder
    from .config import Config, ConfigError, find_config, load_config
    from .contexts import ContextResolver
    from .rules import select_rules
    from .verify import render_text, verify

    try:
        found = find_config(Path.cwd())
        cfg = load_config(found) if found else Config()
        rules = select_rules(cfg.select, cfg.ignore)
        chosen = find_builder(builder)
    except (BuilderError, ConfigError, ValueError) as exc:
        typer.echo(f"slimfix verify: {exc}", err=True)
        raise typer.Exit(2)
    ctx = context or ContextResolver(None, cfg).resolve(path).context
    result = verify(path, Path(ctx), chosen, edit=edit, keep=keep, rules=rules,
                    unsafe_fixes=unsafe_fixes or bool(cfg.unsafe_fixes))
    if output_format == "json":
        typer.echo(_json.dumps(result.to_json(), indent=2))
    else:
        typer.echo(render_text(result), nl=False)
    failed = any(s.cold is not None and not s.cold.ok for s in (result.before, result.after))
    raise typer.Exit(2 if failed or result.slimfix_bug else 0)


def main(argv: list[str] | None = None) -> None:
    """Entry point: ``slimfix rules`` and ``slimfix explain`` are subcommands; anything
    else is the main command."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        tools_app(args=args, prog_name="slimfix")
    else:
        check_app(args=args, prog_name="slimfix")
