"""YAML as the safe loader reads it, through libyaml when PyYAML was built with it.

Compose files are read in the main process before any Dockerfile can be checked, and the
pure-Python loader took ten times as long over them. libyaml reads the same documents into
the same values; its nesting limit (1000 levels) turns a hostile file into a YAMLError, as
the pure-Python loader's RecursionError is turned into one by its callers.
"""

from __future__ import annotations

from typing import Any


def safe_load(text: str) -> Any:
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
