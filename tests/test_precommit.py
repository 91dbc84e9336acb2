"""The pre-commit hooks match Dockerfiles by file type, as hadolint's hook does, and pick
only files slimfix's own discovery would pick."""

from __future__ import annotations

import re

import pytest
import yaml
from conftest import ROOT

from slimfix.discovery import is_dockerfile_name

NAMES = ["Dockerfile", "Containerfile", "Dockerfile.dev", "Containerfile.prod", "api.Dockerfile",
         "x/y/Dockerfile", ".dockerignore", "Dockerfile.dockerignore", "README.md", "Dockerfiles/notes.txt",
         "mydockerfile", "compose.yaml", "dockerfile.py", "Dockerfile.bak", "Dockerfile.orig", "Dockerfile.rej",
         "Dockerfile.swp", "Dockerfile.j2", "Dockerfile.tmpl", "Dockerfile.template", "Dockerfile.in",
         "Dockerfile.md", "Dockerfile.sh", "Dockerfile.txt", "Dockerfile~"]
# Names the walk finds that identify's `dockerfile` type does not cover (lower case forms).
DISCOVERY_ONLY = {"dockerfile", "web.dockerfile"}


def _hooks():
    return yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())


def test_hooks_are_well_formed_and_match_by_type():
    hooks = _hooks()
    assert [h["id"] for h in hooks] == ["slimfix", "slimfix-fix"]
    assert {h["entry"] for h in hooks} == {"slimfix --check", "slimfix --write"}
    for hook in hooks:
        assert hook["language"] == "python"
        assert hook["types"] == ["dockerfile"] and "files" not in hook  # no broad regex


def test_hooks_pick_what_discovery_picks():
    identify = pytest.importorskip("identify.identify")
    for hook in _hooks():
        exclude = re.compile(hook["exclude"])
        for name in NAMES + sorted(DISCOVERY_ONLY):
            tags = identify.tags_from_filename(name.rsplit("/", 1)[-1])
            picked = (set(hook["types"]) <= tags and not tags & set(hook.get("exclude_types", []))
                      and not exclude.search(name))
            found = is_dockerfile_name(name.rsplit("/", 1)[-1])
            if name in DISCOVERY_ONLY:
                assert found and not picked, name
            else:
                assert picked == found, name
