"""The command line. ``main`` imports what the command needs only once it knows which
command it is: a plain check (what pre-commit and CI run, often for one file) loads
none of the other commands' modules."""

from __future__ import annotations

import sys
from contextlib import contextmanager

SUBCOMMANDS = ("check", "rules", "explain", "verify", "server")


def main(argv: list[str] | None = None) -> None:
    """``slimfix rules|explain|verify|server ...`` are subcommands; ``slimfix check ...``
    and anything else is the main command, ``slimfix [check] [OPTIONS] [PATH]...``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        import os

        if args[0] != "check" and os.path.isdir(args[0]):
            # `slimfix server` in a repository with a server/ folder: the command wins, and says so
            sys.stderr.write(f"slimfix: {args[0]!r} is the `slimfix {args[0]}` command, not the folder "
                             f"./{args[0]}: to check that folder, run `slimfix check {args[0]}`\n")
        if args[0] == "check":
            args = args[1:]
        else:
            from .app import COMMANDS
            from .check import guarded

            command, rest = COMMANDS[args[0]], args[1:]
            raise SystemExit(guarded(lambda: command(rest)))
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
