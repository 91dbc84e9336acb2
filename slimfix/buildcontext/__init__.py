"""Build contexts: which directory a Dockerfile is built with (``resolver``), and what
the rules may read of it (``reader``: its files, as far as `.dockerignore` lets them in).
Imported on first use: a run answered from the cache needs only ``reads``."""

from __future__ import annotations

from importlib import import_module

_WHERE = {"BuildContext": "reader", "is_ignored": "reader", "parse_dockerignore": "reader",
          "ContextResolver": "resolver", "Resolved": "resolver"}


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)


__all__ = ["BuildContext", "ContextResolver", "Resolved", "is_ignored", "parse_dockerignore"]
