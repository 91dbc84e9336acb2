"""The command line. ``main`` imports what the command needs only once it knows which
command it is: a plain check (what pre-commit and CI run, often for one file) loads
neither typer nor the other commands' libraries."""

from __future__ import annotations

import sys
from contextlib import contextmanager

SUBCOMMANDS = ("rules", "explain", "verify", "server")


def main(argv: list[str] | None = None) -> None:
    """``slimfix rules|explain|verify|server ...`` are subcommands; anything else is the
    main command, ``slimfix [OPTIONS] [PATH]...``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        from .app import tools_app

        tools_app(args=args, prog_name="slimfix")
        return
    with frozen_imports():
        from .check import guarded, run
        from .options import parse
    options = parse(args)
    raise SystemExit(guarded(lambda: run(options)))


@contextmanager
def frozen_imports():
    """Imports make objects that live as long as the process: collecting while they are
    made finds nothing, and afterwards the cyclic collector need not scan them again on
    every collection (the workers, forked from here, share them too)."""
    import gc

    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


__all__ = ["SUBCOMMANDS", "frozen_imports", "main"]
