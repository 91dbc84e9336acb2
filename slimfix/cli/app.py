"""The subcommands: ``rules``, ``explain``, ``verify`` and ``server`` (typer). What each
does is in the module beside this one that bears its name; the main command's options
are in ``options``."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

_SETTINGS = dict(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False,
                 context_settings={"help_option_names": ["-h", "--help"]})
tools_app = typer.Typer(**_SETTINGS)


def _split_codes(values: Optional[List[str]]) -> list[str]:
    return [c.strip() for v in values or [] for c in v.split(",") if c.strip()]


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
    against: Optional[Path] = typer.Option(None, "--against", metavar="DOCKERFILE", exists=True, dir_okay=False,
                                           help="Certify this Dockerfile (a hand edit, another tool's output) "
                                                "against DOCKERFILE instead of slimfix's rewrite: every "
                                                "difference is listed, none is explained by a rule."),
    noise_build: bool = typer.Option(True, "--noise-build/--no-noise-build",
                                     help="Build the original once more without its cache, to learn what "
                                          "differs from build to build (without it: a short default list)."),
    smoke: Optional[str] = typer.Option(None, "--smoke", metavar="COMMAND",
                                        help="Run COMMAND with /bin/sh in every image as built and compare "
                                             "exit status and output (the builder must run containers)."),
    output_format: str = typer.Option("text", "--output-format", metavar="FORMAT",
                                      help="text, json (every difference) or markdown (for a pull request)."),
) -> None:
    """Build the Dockerfile as it is and as slimfix rewrites it, and compare image size,
    the layers, build time, and what a source edit and a dependency edit make rebuild;
    then certify the rewrite: read both images' files (kind, content, mode, owner, link
    target) and settings (Env, Cmd, Entrypoint, User, WorkingDir, ports, volumes, labels,
    healthcheck...) and attribute every difference to a fired rule's declared effect
    (`slimfix explain CODE`), to the build's own noise, or call it unexplained. It cannot
    see what a program does at run time. It builds several images (each side cold, after a
    source edit, after a dependency edit, the original once more), needs the network for
    base images and dependencies, and takes minutes. The build context is copied: your
    files are never touched. Exit status: 0 certified, 1 an unexplained difference, a
    certificate that could not be completed or a smoke command that ran otherwise, 2 a
    build failed or bad usage."""
    from .verify import run

    if output_format not in ("text", "json", "markdown"):
        raise typer.BadParameter("text, json or markdown", param_hint="--output-format")
    raise typer.Exit(run(path, context=context, builder=builder, edit=edit, keep=keep,
                         unsafe_fixes=unsafe_fixes, output_format=output_format, select=_split_codes(select),
                         ignore=_split_codes(ignore), dependency_edit=dependency_edit, manifest=manifest,
                         dependency=dependency, against=against, noise_build=noise_build, smoke=smoke))


@tools_app.command("server")
def server_command(
    stdio: bool = typer.Option(True, "--stdio", hidden=True, help="Talk over standard input and output (the only way)."),
) -> None:
    """Run the language server (LSP) over standard input and output, for editors:
    diagnostics, quick fixes, fix all, ignore comments and rule documentation on hover.
    See docs/editors.md."""
    from ..server import serve

    serve()
