"""The subcommands: ``rules``, ``explain``, ``verify`` and ``server``, read with argparse
like the main command (one help style, no dependency for it). What each does is in the
module beside this one that bears its name; the main command's options are in
``options``."""

from __future__ import annotations

import argparse
from pathlib import Path

from .options import _Formatter


def _codes(values: list[str] | None) -> list[str]:
    return [c.strip() for v in values or [] for c in v.split(",") if c.strip()]


def _parser(name: str, description: str, usage: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=f"slimfix {name}", usage=usage, description=description,
                                formatter_class=_Formatter, add_help=False)
    return p


def _help_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("-h", "--help", action="help", help="Show this message and exit.")


def rules_command(args: list[str]) -> int:
    p = _parser("rules", "List the rules: code, name, fix safety, matching hadolint codes, summary.",
                "slimfix rules [OPTIONS]")
    p.add_argument("--output-format", default="text", choices=("text", "json"), metavar="FORMAT",
                   help="text (a table) or json (one object per rule).")
    _help_option(p)
    a = p.parse_args(args)
    from .rules import show_rules

    show_rules(a.output_format)
    return 0


def explain_command(args: list[str]) -> int:
    p = _parser("explain", "Show a rule's documentation, and what its fix does to the image.",
                "slimfix explain CODE")
    p.add_argument("code", metavar="CODE",
                   help="A rule code (SF102), name (apt-lists-cleanup) or hadolint code (DL3009).")
    _help_option(p)
    a = p.parse_args(args)
    from .rules import explain

    return explain(a.code)


VERIFY_DESCRIPTION = """\
Build the Dockerfile as it is and as slimfix rewrites it, and compare image size, the
layers, build time, and what a source edit and a dependency edit make rebuild; then
certify the rewrite: read both images' files (kind, content, mode, owner, link target,
extended attributes) and settings (Env, Cmd, Entrypoint, User, WorkingDir, ports, volumes,
labels, healthcheck...) and attribute every difference to a fired rule's declared effect
(`slimfix explain CODE`), to the build's own noise, or call it unexplained. It cannot see
what a program does at run time (docs/certificate.md).

It builds several images (each side cold, after a source edit, after a dependency edit,
the original once more), each side on its own layer cache; it needs the network for base
images and dependencies, and takes minutes. The build context is copied: your files are
never touched, and only the images it built are removed.

Exit status: 0 certified; 1 an unexplained difference, a certificate that could not be
completed, or a smoke command that ran otherwise; 2 a build failed, or bad usage."""


def verify_command(args: list[str]) -> int:
    p = _parser("verify", VERIFY_DESCRIPTION, "slimfix verify [OPTIONS] DOCKERFILE")
    p.add_argument("path", type=Path, metavar="DOCKERFILE",
                   help="The Dockerfile to build before and after slimfix's fixes.")
    p.add_argument("--context", type=Path, metavar="DIR",
                   help="Build context (default: as for `slimfix`, from the config, compose files, or the "
                        "Dockerfile's directory).")
    p.add_argument("--builder", default="auto", metavar="NAME", help="auto, docker, podman or buildah.")
    p.add_argument("--edit", metavar="FILE",
                   help="File (in the context) to edit before the rebuilds (default: a source file only the "
                        "whole-context COPY brings in).")
    p.add_argument("--keep", action="store_true", help="Keep the images the run builds.")
    p.add_argument("--unsafe-fixes", action="store_true", help="Also apply fixes marked unsafe.")
    p.add_argument("--select", action="append", metavar="CODES",
                   help="Rules whose fixes make the rewrite (as for `slimfix --select`). With the opt-in "
                        "cache-mount rules (ALL,SF6) a third image is built with their fixes.")
    p.add_argument("--ignore", action="append", metavar="CODES", help="Rule codes or prefixes to skip.")
    p.add_argument("--no-dependency-edit", dest="dependency_edit", action="store_false",
                   help="Do not rebuild after adding a dependency to the manifest.")
    p.add_argument("--manifest", metavar="FILE",
                   help="Manifest (in the context) for the dependency edit (default: the requirements file "
                        "the Dockerfile installs, or package.json).")
    p.add_argument("--dependency", metavar="LINE",
                   help="The requirement (name@version for package.json) to add (default: a small package the "
                        "manifest lacks).")
    p.add_argument("--against", type=Path, metavar="DOCKERFILE",
                   help="Certify this Dockerfile (a hand edit, another tool's output) against DOCKERFILE "
                        "instead of slimfix's rewrite: every difference is listed, none is explained by a rule.")
    p.add_argument("--no-noise-build", dest="noise_build", action="store_false",
                   help="Do not build the original once more without its cache to learn what differs from "
                        "build to build (the noise is then a short default list).")
    p.add_argument("--smoke", metavar="COMMAND",
                   help="Run COMMAND with /bin/sh in every image as built and compare exit status and output "
                        "(the builder must run containers).")
    p.add_argument("--output-format", default="text", choices=("text", "json", "markdown"), metavar="FORMAT",
                   help="text, json (every difference) or markdown (for a pull request).")
    _help_option(p)
    a = p.parse_args(args)
    for name, path in (("DOCKERFILE", a.path), ("--against", a.against)):
        if path is not None and not path.is_file():
            p.error(f"{name} {path}: no such file")
    if a.context is not None and not a.context.is_dir():
        p.error(f"--context {a.context}: not a directory")
    from .verify import run

    return run(a.path, context=a.context, builder=a.builder, edit=a.edit, keep=a.keep,
               unsafe_fixes=a.unsafe_fixes, output_format=a.output_format, select=_codes(a.select) or None,
               ignore=_codes(a.ignore) or None, dependency_edit=a.dependency_edit, manifest=a.manifest,
               dependency=a.dependency, against=a.against, noise_build=a.noise_build, smoke=a.smoke)


def server_command(args: list[str]) -> int:
    p = _parser("server", "Run the language server (LSP) over standard input and output, for editors:\n"
                "diagnostics, quick fixes, fix all, ignore comments and rule documentation on hover.\n"
                "See docs/editors.md. It needs the extra: pip install 'slimfix[server]'.", "slimfix server")
    p.add_argument("--stdio", action="store_true", help=argparse.SUPPRESS)
    _help_option(p)
    p.parse_args(args)
    try:
        import pygls  # noqa: F401
    except ImportError:
        import sys

        sys.stderr.write("slimfix server: the language server needs pygls: pip install 'slimfix[server]'\n")
        return 2
    from ..server import serve

    serve()
    return 0


COMMANDS = {"rules": rules_command, "explain": explain_command, "verify": verify_command, "server": server_command}
