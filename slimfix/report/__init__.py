"""The output formats, one emitter each, behind one registry that the command line
validates ``--output-format`` against. Diffs (``diff``) are not a format: they go with
any of them."""

from __future__ import annotations

from .base import Emitter
from .github import GithubEmitter
from .gitlab import GitlabEmitter
from .json import JsonEmitter
from .sarif import SarifEmitter
from .text import TextEmitter
from .xml import CheckstyleEmitter, JunitEmitter

EMITTERS: dict[str, type[Emitter]] = {e.name: e for e in (
    TextEmitter, JsonEmitter, SarifEmitter, GithubEmitter, GitlabEmitter, JunitEmitter, CheckstyleEmitter)}


def format_names() -> tuple[str, ...]:
    return tuple(EMITTERS)


__all__ = ["EMITTERS", "Emitter", "format_names"]
