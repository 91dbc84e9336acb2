"""The output formats, one emitter each, behind one registry that the command line
validates ``--output-format`` against. Diffs (``report.diff``) are not a format: they go
with any of them. Emitters are imported when chosen: a plain run loads only its own."""

from __future__ import annotations

from importlib import import_module

from .base import Emitter

_EMITTERS = {
    "text": ("text", "TextEmitter"), "json": ("json", "JsonEmitter"), "sarif": ("sarif", "SarifEmitter"),
    "github": ("github", "GithubEmitter"), "gitlab": ("gitlab", "GitlabEmitter"),
    "junit": ("xml", "JunitEmitter"), "checkstyle": ("xml", "CheckstyleEmitter"),
}


def format_names() -> tuple[str, ...]:
    return tuple(_EMITTERS)


def emitter(name: str) -> type[Emitter]:
    module, cls = _EMITTERS[name]
    return getattr(import_module(f"{__name__}.{module}"), cls)


__all__ = ["Emitter", "emitter", "format_names"]
