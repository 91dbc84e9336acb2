"""The command line. ``main`` imports what the command needs only once it knows which
command it is: a plain check must not pay for the others' libraries."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> None:
    from .app import main as run

    run(argv)


__all__ = ["main"]
