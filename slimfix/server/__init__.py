"""``slimfix server``: a language server over standard input and output.

Modules, one job each: ``documents`` (which documents, their settings, their findings),
``positions`` (file offsets to LSP positions and back), ``diagnostics``, ``actions``
(quick fixes, fix all, ignore comments), ``hover``, and ``app`` (the pygls wiring).
Only ``app`` imports pygls; the rest is plain slimfix plus lsprotocol's types.
"""

from __future__ import annotations


def serve() -> None:
    """Run the language server on standard input and output until the client exits."""
    from .app import create_server, setup_logging

    setup_logging()
    create_server().start_io()


__all__ = ["serve"]
