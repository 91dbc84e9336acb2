"""Build contexts: which directory a Dockerfile is built with (``resolver``), and what
the rules may read of it (``reader``: its files, as far as `.dockerignore` lets them in)."""

from .reader import BuildContext, is_ignored, parse_dockerignore
from .resolver import ContextResolver, Resolved

__all__ = ["BuildContext", "ContextResolver", "Resolved", "is_ignored", "parse_dockerignore"]
